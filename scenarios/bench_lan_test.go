package scenarios

import (
	"os"
	"strconv"
	"testing"
	"time"
)

// TestBenchLANLoads checks that the generated benchmark LAN is a valid
// scenario of the size asked for, on one segment per 250 groups.
func TestBenchLANLoads(t *testing.T) {
	for _, tc := range []struct {
		groups, nodes, segments int
	}{
		{1, 3, 1},
		{100, 300, 1},
		{250, 750, 1},
		{251, 753, 2},
		{1000, 3000, 4},
	} {
		data, err := BenchLAN(tc.groups, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := Load("bench.yaml", data)
		if err != nil {
			t.Fatalf("%d groups: %v", tc.groups, err)
		}
		if len(sc.Nodes) != tc.nodes || len(sc.Segments) != tc.segments {
			t.Errorf("%d groups: got %d nodes on %d segments, want %d on %d", tc.groups, len(sc.Nodes), len(sc.Segments), tc.nodes, tc.segments)
		}
	}
	if _, err := BenchLAN(0, time.Minute); err == nil {
		t.Error("0 groups: got no error")
	}
}

// TestWriteBenchLAN writes the generated scenario for make bench-lan:
// BENCH_LAN_GROUPS, BENCH_LAN_DURATION, BENCH_LAN_OUT. Skipped otherwise.
func TestWriteBenchLAN(t *testing.T) {
	out := os.Getenv("BENCH_LAN_OUT")
	if out == "" {
		t.Skip("BENCH_LAN_OUT not set")
	}
	g, err := strconv.Atoi(os.Getenv("BENCH_LAN_GROUPS"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := time.ParseDuration(os.Getenv("BENCH_LAN_DURATION"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := BenchLAN(g, d)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
