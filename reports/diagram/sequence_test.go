package diagram

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// masterCrashSequence is the board drawing of RFC 3768 "master crash":
// r1's last advert, the crash, r2's Master_Down_Interval (3 s + skew)
// of silence, r2 becomes master and sends its GARP burst.
func masterCrashSequence() *Sequence {
	s := func(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
	return &Sequence{
		Title:        "master-crash: crash r1 at 10.000000",
		Participants: []string{"r1", "r2", "h1"},
		Events: []SeqEvent{
			{At: s(9.414062), Kind: SeqFrame, From: "r1", To: []string{"r2", "h1"}, Label: "advert vrid 51 prio 150", Proto: "vrrp"},
			{At: s(10), Kind: SeqAction, Label: "crash r1"},
			{At: s(10), Kind: SeqState, From: "r1", Label: "VI_1 INIT", State: "INIT"},
			{At: s(10.1), Kind: SeqFrame, From: "h1", To: []string{"r1"}, Label: "echo request seq 101…130 (×30)", Proto: "icmp", Lost: true},
			{At: s(13.609375), Kind: SeqState, From: "r2", Label: "VI_1 MASTER", State: "MASTER"},
			{At: s(13.609375), Kind: SeqFrame, From: "r2", To: []string{"r1", "h1"}, Label: "advert vrid 51 prio 100", Proto: "vrrp"},
			{At: s(13.609375), Kind: SeqFrame, From: "r2", To: []string{"r1", "h1"}, Label: "GARP 10.0.0.254 (×5)", Proto: "arp"},
			{At: s(13.7), Kind: SeqFrame, From: "h1", To: []string{"r2"}, Label: "echo request seq 131", Proto: "icmp"},
		},
	}
}

func TestSequenceGolden(t *testing.T) {
	var a, b bytes.Buffer
	if err := masterCrashSequence().WriteSVG(&a); err != nil {
		t.Fatal(err)
	}
	if err := masterCrashSequence().WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two writes differ")
	}
	golden(t, "master-crash-sequence.svg", a.Bytes())
}

// TestSequenceDrawsEveryPart: one lifeline per node, an arrow head per
// receiver, state boxes coloured by state, the action across the chart,
// a lost frame dashed with an X, and the idle gaps compressed with
// their length (3.509375 s between the ping and the takeover).
func TestSequenceDrawsEveryPart(t *testing.T) {
	var b bytes.Buffer
	if err := masterCrashSequence().WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	for _, want := range []struct {
		what string
		n    int
	}{
		{`class="seq-lifeline"`, 3},
		{`class="seq-msg msg-vrrp"`, 4},
		{`class="seq-msg msg-arp"`, 2},
		{`class="seq-msg msg-icmp"`, 1},
		{`class="seq-msg seq-lost msg-icmp"`, 1},
		{`class="seq-lost-x"`, 2},
		{`class="seq-state state-master"`, 1},
		{`class="seq-state state-init"`, 1},
		{`class="seq-action"`, 1},
		{`class="seq-gap"`, 2}, // 9.41->10 and 10.1->13.61; 0.1 s steps stay
		{">+3.509s<", 1},
		{">+585.94ms<", 1},
	} {
		if got := strings.Count(svg, want.what); got != want.n {
			t.Errorf("%s: %d times, want %d", want.what, got, want.n)
		}
	}
	var png bytes.Buffer
	if err := masterCrashSequence().WritePNG(&png, 96); err != nil || !bytes.HasPrefix(png.Bytes(), []byte("\x89PNG")) {
		t.Errorf("PNG: %v", err)
	}
}
