package sim

import (
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
