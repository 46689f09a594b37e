package scenarios

import (
	"bytes"
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

// BenchmarkLBScenario is issue 9's load-balancing budget: the built-in
// lvs-nat at 1000 new connections per second from 50 sources, 60 s of
// virtual time per run. x_realtime is virtual seconds per wall second
// (the issue asks for at least 1000).
func BenchmarkLBScenario(b *testing.B) { benchLoad(b, "lvs-nat", 60*time.Second) }

// benchLoad runs built-in name with its http clients raised from 100
// connections a second from 10 sources to 1000 from 50, for dur of
// virtual time per run, and reports x_realtime.
func benchLoad(b *testing.B, name string, dur time.Duration) {
	file, data, ok := BuiltinSource(name)
	if !ok {
		b.Fatalf("no built-in %s", name)
	}
	from := []byte("rate: 100, arrival: poisson, sources: 10")
	if !bytes.Contains(data, from) {
		b.Fatalf("%s: no %q to raise", file, from)
	}
	data = bytes.Replace(data, from, []byte("rate: 1000, arrival: poisson, sources: 50"), 1)
	sc, err := Load(file, data)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		k := sim.New(sc.Seed)
		k.AddTracer(func(*sim.Record) {})
		w, err := Build(sc, k)
		if err != nil {
			b.Fatal(err)
		}
		w.Start()
		k.Run(sim.Time(dur))
	}
	el := time.Since(start).Seconds()
	b.ReportMetric(float64(b.N)*dur.Seconds()/el, "x_realtime")
}
