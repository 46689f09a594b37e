package sim

import "testing"

func draws(k *Kernel, path string, n int) []uint64 {
	r := k.Stream(path)
	out := make([]uint64, n)
	for i := range out {
		out[i] = r.Uint64()
	}
	return out
}

func equalDraws(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestStreamDeterministicPerSeedAndPath: a stream depends on (seed, path)
// only, so adding an entity (or creating streams in another order) never
// changes what another entity draws (the ns-3 lesson in STYLE.md).
func TestStreamDeterministicPerSeedAndPath(t *testing.T) {
	k1, k2 := New(42), New(42)
	a1 := draws(k1, "vrrp/r1/VI_1", 8)
	b1 := draws(k1, "arp/h1/eth0", 8)
	b2 := draws(k2, "arp/h1/eth0", 8) // other creation order
	k2.Stream("vrrp/r9/VI_9")         // an extra entity in between
	a2 := draws(k2, "vrrp/r1/VI_1", 8)
	if !equalDraws(a1, a2) || !equalDraws(b1, b2) {
		t.Fatalf("got different draws for the same (seed, path) depending on creation order")
	}
	if equalDraws(a1, b1) {
		t.Fatalf("got equal draws for different paths, want independent streams")
	}
	if equalDraws(a1, draws(New(43), "vrrp/r1/VI_1", 8)) {
		t.Fatalf("got equal draws for different seeds, want different")
	}
	if k1.Stream("vrrp/r1/VI_1") != k1.Stream("vrrp/r1/VI_1") {
		t.Fatalf("got two streams for one path, want the same stream")
	}
	if k1.Seed() != 42 {
		t.Fatalf("got seed %d, want 42", k1.Seed())
	}
}
