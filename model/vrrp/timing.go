package vrrp

import "time"

// SkewTime returns Skew_Time for a priority and the master's advertisement
// interval, computed as keepalived 2.2.7 does (vrrp.h VRRP_TIMER_SKEW_CALC):
// in whole microseconds, truncating.
//
//   - v2, RFC 3768 section 6.1: Skew_Time = (256 - Priority) / 256 seconds,
//     independent of the advertisement interval:
//     (256-p) * 1000000 / 256 us. Exact for every priority: prio 100 gives
//     609375 us.
//   - v3, RFC 5798 section 6.1: Skew_Time = ((256 - Priority) *
//     Master_Adver_Interval) / 256, keepalived computes it as
//     (256-p) * centiseconds * 625 / 16 us (625/16 = 10000 us / 256) and
//     truncates to the microsecond: prio 100 at 100 ms gives 60937 us where
//     exact arithmetic gives 60937.5 us. We reproduce the truncation, so we
//     match keepalived to the microsecond and differ from the exact RFC value
//     by less than 1 us.
func SkewTime(version, priority int, masterAdverInt time.Duration) time.Duration {
	p := int64(256 - priority)
	var us int64
	if version == 3 {
		cs := int64(masterAdverInt / v3IntervalUnit)
		us = p * cs * 625 / 16
	} else {
		us = p * 1000000 / 256
	}
	return time.Duration(us) * time.Microsecond
}

// MasterDownInterval returns Master_Down_Interval = 3 *
// Master_Adver_Interval + Skew_Time (RFC 3768 section 6.1, RFC 5798 section
// 6.1; keepalived VRRP_MS_DOWN_TIMER with down_timer_adverts 3). For v2 the
// master's interval is always the local one.
func MasterDownInterval(version, priority int, masterAdverInt time.Duration) time.Duration {
	return downTimerAdverts*masterAdverInt + SkewTime(version, priority, masterAdverInt)
}

// PreemptAfter is how long after the first lower-priority advert it hears
// a backup with preempt_delay d preempts, the master advertising every
// masterAdverInt: the speaker accepts the adverts that arrive before d
// has passed (keepalived vrrp_state_backup with preempt_time), the last
// at (ceil(d/interval) - 1) intervals, and takes over mdi (its
// Master_Down_Interval) after that one.
func PreemptAfter(d, masterAdverInt, mdi time.Duration) time.Duration {
	if d <= 0 || masterAdverInt <= 0 {
		return mdi
	}
	n := (d + masterAdverInt - 1) / masterAdverInt // adverts before d has passed, the first included
	return (n-1)*masterAdverInt + mdi
}
