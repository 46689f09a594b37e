package scenarios

import (
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// benchScenario runs a built-in for dur of virtual time, b.N times, with a
// tracer that only counts (what a report costs is measured in reports).
func benchScenario(b *testing.B, name string, dur time.Duration) {
	sc, err := Builtin(name)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var events uint64
	start := time.Now()
	for i := 0; i < b.N; i++ {
		k := sim.New(sc.Seed)
		n := 0
		k.AddTracer(func(*sim.Record) { n++ })
		w, err := Build(sc, k)
		if err != nil {
			b.Fatal(err)
		}
		w.Start()
		k.Run(sim.Time(dur))
		events += k.Fired()
	}
	el := time.Since(start).Seconds()
	b.ReportMetric(float64(b.N)*dur.Seconds()/el, "virtual-s/s")
	b.ReportMetric(float64(events)/el, "events/s")
}

// BenchmarkMasterCrash is the default scenario as it ships (30 s).
func BenchmarkMasterCrash(b *testing.B) { benchScenario(b, "master-crash", 30*time.Second) }

// BenchmarkMasterCrashOneHour runs the default scenario's LAN for one hour
// of virtual time: two routers advertising every second and a host pinging
// the virtual IP every 20 ms (180,000 echo round trips).
func BenchmarkMasterCrashOneHour(b *testing.B) { benchScenario(b, "master-crash", time.Hour) }
