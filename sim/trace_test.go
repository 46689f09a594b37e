package sim

import (
	"reflect"
	"slices"
	"testing"
)

func TestTraceStampsRecordsWithNow(t *testing.T) {
	k := New(1)
	if k.Tracing() {
		t.Fatalf("got Tracing true without tracers, want false")
	}
	k.Trace(Record{Kind: KindNote}) // no tracer: nothing happens
	var got []string
	var at []Time
	k.AddTracer(func(r *Record) { got = append(got, "1:"+r.Node); at = append(at, r.At) })
	k.AddTracer(func(r *Record) { got = append(got, "2:"+r.Node) })
	if !k.Tracing() {
		t.Fatalf("got Tracing false with tracers, want true")
	}
	k.At(1500*Millisecond, func() { k.Trace(Record{Kind: KindNote, Node: "r1", At: 99}) })
	k.At(2*Second, func() { k.Trace(Record{Kind: KindState, Node: "r2"}) })
	k.Run(Forever)
	if want := []string{"1:r1", "2:r1", "1:r2", "2:r2"}; !slices.Equal(got, want) {
		t.Errorf("got tracer calls %q, want %q", got, want)
	}
	if want := []Time{1500 * Millisecond, 2 * Second}; !slices.Equal(at, want) {
		t.Errorf("got record times %v, want %v (stamped with Now, caller's At ignored)", at, want)
	}
}

func TestKindString(t *testing.T) {
	tests := []struct {
		k    Kind
		want string
	}{{KindFrame, "frame"}, {KindState, "state"}, {KindNote, "note"}, {0, "?"}, {200, "?"}}
	for _, tt := range tests {
		if got := tt.k.String(); got != tt.want {
			t.Errorf("Kind(%d).String(): got %q, want %q", tt.k, got, tt.want)
		}
	}
}

// TestRecordInPlaceIsTrace: a record filled in place (Record, Emit) reaches
// the tracers as the same record Trace would hand them, stamped with Now,
// with nothing left over from the record before it, and holds no frame
// afterwards.
func TestRecordInPlaceIsTrace(t *testing.T) {
	k := New(1)
	var got []Record
	k.AddTracer(func(r *Record) { got = append(got, *r) })
	frame := []byte{1, 2, 3}
	full := Record{Kind: KindFrame, Node: "lan", Comp: "h1/eth0", Event: "e", From: "a", To: "b", Reason: "r", MAC: [6]byte{1}, Value: 7, Value2: 8, Frame: frame}
	k.At(Second, func() {
		k.Trace(full)
		r := k.Record(KindFlow)
		r.Node, r.Value = "h1", 3
		k.Emit()
		k.Trace(Record{Kind: KindFlow, Node: "h1", Value: 3})
	})
	k.Run(Forever)
	if len(got) != 3 {
		t.Fatalf("got %d records, want 3", len(got))
	}
	full.At = Second
	if !reflect.DeepEqual(got[0], full) {
		t.Errorf("Trace: got %+v, want %+v", got[0], full)
	}
	if !reflect.DeepEqual(got[1], got[2]) {
		t.Errorf("in place: got %+v, want what Trace gives, %+v", got[1], got[2])
	}
	if k.rec.Frame != nil {
		t.Errorf("the kernel still holds a frame after Emit")
	}
}
