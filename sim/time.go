package sim

import (
	"fmt"
	"time"
)

// Time is virtual time in nanoseconds since the start of a run. It is never
// derived from the wall clock.
type Time int64

// Common spans of virtual time.
const (
	Nanosecond  Time = 1
	Microsecond      = 1000 * Nanosecond
	Millisecond      = 1000 * Microsecond
	Second           = 1000 * Millisecond
)

// Forever is later than any event a run can schedule.
const Forever Time = 1<<63 - 1

// Add returns t+d.
func (t Time) Add(d time.Duration) Time { return t + Time(d) }

// Sub returns the span t-u.
func (t Time) Sub(u Time) time.Duration { return time.Duration(t - u) }

// Seconds returns t in (float) seconds, for reports only.
func (t Time) Seconds() float64 { return float64(t) / float64(Second) }

// String formats t as seconds with microsecond precision, e.g. "10.003609".
func (t Time) String() string {
	neg := ""
	if t < 0 {
		neg, t = "-", -t
	}
	return fmt.Sprintf("%s%d.%06d", neg, int64(t/Second), int64(t%Second)/int64(Microsecond))
}

// D converts a time.Duration to Time (a span from zero).
func D(d time.Duration) Time { return Time(d) }
