package lan

import (
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// sharedSink takes the segment's shared decode (DecodedReceiver) and
// records the view it got.
type sharedSink struct {
	views []*wire.Frame
	srcs  []wire.MAC
	skip  bool // drop before decoding, as a NIC filter does
}

func (s *sharedSink) Receive([]byte) { panic("Receive called on a DecodedReceiver") }

func (s *sharedSink) ReceiveShared(_ []byte, decode func() (*wire.Frame, error)) {
	if s.skip {
		return
	}
	f, err := decode()
	if err != nil {
		panic(err)
	}
	s.views = append(s.views, f)
	s.srcs = append(s.srcs, f.Src)
}

// TestSegmentSharesOneDecodePerFrame: the frames a flood hands to every
// port are decoded once and the same read-only view goes to each
// receiver (issue 14); the next frame is decoded afresh; a plain Receiver
// still gets the bytes.
func TestSegmentSharesOneDecodePerFrame(t *testing.T) {
	k := sim.New(1)
	seg := New(k, "lan0", Config{})
	a, b, c := &sharedSink{}, &sharedSink{}, &sharedSink{skip: true}
	plain := &sink{k: k}
	pa := seg.Attach("a", "eth0", a)
	seg.Attach("b", "eth0", b)
	seg.Attach("c", "eth0", c)
	seg.Attach("d", "eth0", plain)
	pd := seg.ports[3]
	pa.Send(arpFrame(wire.Broadcast, mac(1), 1, [4]byte{10, 0, 0, 1}, [4]byte{10, 0, 0, 2}, wire.MAC{}))
	k.Run(sim.Time(time.Millisecond))
	pd.Send(arpFrame(wire.Broadcast, mac(4), 1, [4]byte{10, 0, 0, 4}, [4]byte{10, 0, 0, 2}, wire.MAC{}))
	k.Run(sim.Time(2 * time.Millisecond))

	if len(a.views) != 1 || len(b.views) != 2 || len(c.views) != 0 || len(plain.got) != 1 {
		t.Fatalf("deliveries: a %d b %d c %d d %d, want 1 2 0 1", len(a.views), len(b.views), len(c.views), len(plain.got))
	}
	// Three decode calls (b twice, a once), two frames: two decodes.
	if seg.decodes != 2 {
		t.Errorf("decodes: got %d, want 2 (one per frame)", seg.decodes)
	}
	if a.views[0] != b.views[1] {
		t.Error("a and b got different views of the second frame")
	}
	if b.srcs[0] != mac(1) || b.srcs[1] != mac(4) || a.srcs[0] != mac(4) {
		t.Errorf("sources seen: a %v b %v, want a [%v] b [%v %v]", a.srcs, b.srcs, mac(4), mac(1), mac(4))
	}
	if _, err := seg.decodeCurrent(); err == nil {
		t.Error("decode outside a delivery: got no error")
	}
}
