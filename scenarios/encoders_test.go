package scenarios

import (
	"bytes"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/node"
	"github.com/vrrpsim/vrrpsim/sim"
)

// TestSharedEncodersChangeNoFrame: the nodes of a world share one pair of
// encoders (node.Config.Encoders); every frame of every built-in is the
// same, byte for byte and in the same order, as with each node's own.
// A frame encoded by one node and read after another encoded would show
// here.
func TestSharedEncodersChangeNoFrame(t *testing.T) {
	for _, name := range BuiltinNames() {
		sc, err := Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		var out [2]bytes.Buffer
		for i, shared := range []bool{false, true} {
			k := sim.New(sc.Seed)
			k.AddTracer(func(r *sim.Record) {
				if r.Kind == sim.KindFrame {
					out[i].WriteString(r.Comp)
					out[i].Write(r.Frame)
				}
			})
			var enc *node.Encoders
			if shared {
				enc = node.NewEncoders()
			}
			w, err := build(sc, onePart(), []*sim.Kernel{k}, enc)
			if err != nil {
				t.Fatal(err)
			}
			w.Start()
			k.Run(sim.Time(min(sc.Duration, 30*time.Second)))
		}
		if out[0].Len() == 0 || !bytes.Equal(out[0].Bytes(), out[1].Bytes()) {
			t.Errorf("%s: the frames differ with shared encoders (%d and %d octets)", name, out[0].Len(), out[1].Len())
		}
	}
}
