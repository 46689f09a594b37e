package lan

import (
	"math"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// FuzzSegment drives a four-port segment with arbitrary frames (runts,
// odd lengths, any addresses), link flaps while frames are in flight,
// partitions with bad input, block rules, impairments with out-of-range
// values and time steps, and checks after every step that nothing panics
// and the FDB stays consistent; at the end every frame in flight has been
// delivered or dropped and every pooled buffer is back.
func FuzzSegment(f *testing.F) {
	f.Add([]byte{0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	f.Add([]byte{1, 0, 2, 1, 3, 2, 4, 0x33, 0, 20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 8, 6, 7, 1})
	f.Add([]byte{5, 7, 6, 0, 0, 60, 2, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0xa, 8, 0, 1, 0, 9, 200, 7, 1, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		k := sim.New(1)
		seg := New(k, "lan0", Config{FDBAging: 50 * time.Millisecond})
		names := []string{"a", "b", "c", "d"}
		var ports []*Port
		var got int
		for _, n := range names {
			ports = append(ports, seg.Attach(n, "eth0", receiverFunc(func([]byte) { got++ })))
		}
		var ids []int
		for i := 0; i+1 < len(data); {
			op, x := data[i], data[i+1]
			i += 2
			p := ports[int(x)%len(ports)]
			switch op % 9 {
			case 0: // a frame of x>>2 bytes (0..63) from the data, padded
				n := int(x >> 2)
				frame := make([]byte, n)
				copy(frame, data[i:])
				i += min(n, len(data)-i)
				if n >= 12 {
					frame[6] &^= 1 // mostly valid sources, so learning happens
					frame[0] = byte(x & 1)
				}
				p.Send(frame)
			case 1:
				p.SetLink(x&4 != 0)
			case 2:
				k.Run(k.Now().Add(time.Duration(x) * time.Microsecond))
			case 3: // partition, possibly with unknown or repeated names
				var groups [][]string
				for g := 0; g < int(x%4); g++ {
					var grp []string
					for j, n := range append(names, "zz") {
						if (int(x)>>(j+2))&1 == 1 && (j+g)%2 == 0 {
							grp = append(grp, n)
						}
					}
					groups = append(groups, grp)
				}
				_ = seg.Partition(groups)
			case 4:
				seg.Heal()
			case 5:
				ids = append(ids, seg.Block(Rule{Class: Class(x % uint8(numClasses+1)), From: names[int(x>>3)%4], To: ""}))
			case 6:
				if len(ids) > 0 {
					seg.Unblock(ids[int(x)%len(ids)])
				}
			case 7:
				p.SetImpairment(Impairment{Loss: []float64{0, 0.5, 1, 2, -1, math.NaN(), math.Inf(1)}[x%7],
					Latency: time.Duration(int8(x)) * time.Microsecond, Jitter: time.Duration(int8(x>>1)) * time.Microsecond})
			case 8:
				seg.SetImpairment(Impairment{Loss: float64(x) / 300, Jitter: time.Duration(x%3) * time.Microsecond})
			}
			checkFDB(t, seg)
		}
		k.Run(k.Now().Add(time.Second))
		checkFDB(t, seg)
		c := seg.Counters()
		if uint64(got) != c.Delivered {
			t.Fatalf("receivers got %d frames, Delivered %d", got, c.Delivered)
		}
		if seg.fdb.head != nil {
			t.Fatalf("FDB entries outlived FDBAging with nothing in flight")
		}
	})
}

// checkFDB checks the FDB list and map agree: every listed entry is in the
// map under its key, in the island of its port, on a port whose link is
// up, and the list is in refresh order.
func checkFDB(t *testing.T, s *Segment) {
	t.Helper()
	n := 0
	var prev *fdbEntry
	for e := s.fdb.head; e != nil; e = e.next {
		n++
		if s.fdb.m[e.key.id()] != e {
			t.Fatalf("listed entry %v not in the map", e.key)
		}
		if e.key.island != e.port.island {
			t.Fatalf("entry %v in island %d, its port in %d", e.key.mac, e.key.island, e.port.island)
		}
		if !e.port.up {
			t.Fatalf("entry %v on a down port", e.key.mac)
		}
		if e.key.mac.IsGroup() || e.key.mac.IsZero() {
			t.Fatalf("learned an invalid source %v", e.key.mac)
		}
		if prev != nil && prev.updated > e.updated {
			t.Fatalf("list out of refresh order")
		}
		if e.prev != prev {
			t.Fatalf("broken back link")
		}
		prev = e
	}
	if s.fdb.tail != prev {
		t.Fatalf("tail is not the last entry")
	}
	if n != len(s.fdb.m) {
		t.Fatalf("list has %d entries, map %d", n, len(s.fdb.m))
	}
}
