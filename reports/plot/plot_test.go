package plot

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/png"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/sim"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func ms(n int64) sim.Time { return sim.Time(n) * sim.Millisecond }

var (
	macR1 = [6]byte{2, 0, 0, 0, 1, 1}
	macR2 = [6]byte{2, 0, 0, 0, 2, 1}
	macH1 = [6]byte{2, 0, 0, 0, 3, 1}
	vip   = netip.MustParseAddr("10.0.0.254")
)

// synthetic is a hand-made trace of a master crash, a restart with a
// short split brain, host ARP moves, FDB learning and a ping flow losing
// packets for 3 s. It does not depend on the models, so its goldens change
// only when the plots do.
func synthetic() (*reports.Report, *reports.Collector) {
	c := reports.NewCollector()
	rec := func(r sim.Record) { c.Trace(&r) }
	iface := func(node string, mac [6]byte, addr string) {
		rec(sim.Record{Kind: sim.KindNote, Event: "iface", Node: node, Comp: "eth0", MAC: mac, Addr: netip.MustParseAddr(addr)})
	}
	state := func(at sim.Time, node, from, to, why string) {
		rec(sim.Record{At: at, Kind: sim.KindState, Node: node, Comp: "VI_1", From: from, To: to, Reason: why, Value: 100, Value2: 51})
	}
	action := func(at sim.Time, text, verb, node string) {
		rec(sim.Record{At: at, Kind: sim.KindAction, Event: text, Comp: verb, Node: node})
	}
	neigh := func(at sim.Time, mac [6]byte, from, to, why string) {
		rec(sim.Record{At: at, Kind: sim.KindNeigh, Node: "h1", Comp: "eth0", Addr: vip, MAC: mac, From: from, To: to, Reason: why})
	}
	fdb := func(at sim.Time, mac [6]byte, from, to, why string) {
		rec(sim.Record{At: at, Kind: sim.KindFDB, Node: "lan", MAC: mac, From: from, To: to, Reason: why})
	}
	iface("h1", macH1, "10.0.0.10")
	iface("r1", macR1, "10.0.0.1")
	iface("r2", macR2, "10.0.0.2")
	state(0, "r1", "INIT", "BACKUP", "startup")
	state(0, "r2", "INIT", "BACKUP", "startup")
	neigh(ms(500), [6]byte{}, "NONE", "INCOMPLETE", "output")
	state(ms(3000), "r1", "BACKUP", "MASTER", "master_down_expired")
	fdb(ms(3000), macR1, "", "r1/eth0", "learn")
	neigh(ms(3001), macR1, "INCOMPLETE", "STALE", "garp")
	action(ms(10000), "crash r1", "crash", "r1")
	state(ms(10000), "r1", "MASTER", "INIT", "crash")
	state(ms(13000), "r2", "BACKUP", "MASTER", "master_down_expired")
	fdb(ms(13000), macR2, "", "r2/eth0", "learn")
	neigh(ms(13001), macR2, "STALE", "STALE", "garp")
	action(ms(20000), "restart r1", "restart", "r1")
	state(ms(20000), "r1", "INIT", "BACKUP", "startup")
	state(ms(20500), "r1", "BACKUP", "MASTER", "preempt")
	state(ms(21000), "r2", "MASTER", "BACKUP", "higher_priority")
	neigh(ms(20501), macR1, "STALE", "STALE", "garp")
	fdb(ms(25000), macR2, "r2/eth0", "", "aged")
	for i := int64(0); i < 300; i++ {
		at := ms(i * 100)
		rec(sim.Record{At: at, Kind: sim.KindFlow, Node: "h1", Comp: "h1/ping-1", Event: "sent", Value: i + 1})
		ev := "received"
		if at >= ms(10000) && at < ms(13000) {
			ev = "lost"
		}
		if i == 299 {
			continue // in flight at the end
		}
		rec(sim.Record{At: at + ms(1), Kind: sim.KindFlow, Node: "h1", Comp: "h1/ping-1", Event: ev, Value: i + 1})
	}
	r := c.Report(reports.Meta{Scenario: "synthetic", Description: "A <hand-made> trace.\n\nSecond paragraph.", Duration: 30 * sim.Second, Disruptive: []string{"crash r1", "restart r1"}})
	return r, c
}

func spansString(rows []Row) string {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%s:", r.Label)
		for _, s := range r.Spans {
			fmt.Fprintf(&b, " [%s,%s %s]", fmtSec(s.Start), fmtSec(s.End), s.Value)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestStateRowsFollowTransitionsToEndOfRun(t *testing.T) {
	r, _ := synthetic()
	d := State(r)
	got := spansString(d.Rows)
	// INIT->BACKUP at 0 leaves no INIT span; the last span runs to 30 s.
	want := "r1 VI_1: [0,3 BACKUP] [3,10 MASTER] [10,20 INIT] [20,20.5 BACKUP] [20.5,30 MASTER]\n" +
		"r2 VI_1: [0,13 BACKUP] [13,21 MASTER] [21,30 BACKUP]\n"
	if got != want {
		t.Errorf("state rows:\ngot  %s\nwant %s", got, want)
	}
	if len(d.SplitBrain) != 1 || d.SplitBrain[0].Start != ms(20500) || d.SplitBrain[0].End != ms(21000) || len(d.SplitBrain[0].Rows) != 2 {
		t.Errorf("split brain: got %+v, want one 20.5-21 s span over both rows", d.SplitBrain)
	}
	if len(d.Actions) != 2 || d.Actions[0].Label != "crash r1" || d.Actions[0].At != ms(10000) {
		t.Errorf("actions: got %+v, want crash r1 at 10 s and restart r1", d.Actions)
	}
}

func TestStateRowWithoutStartupRecordStartsInFromState(t *testing.T) {
	r := &reports.Report{Duration: reports.Seconds(10 * sim.Second), Transitions: []reports.Transition{
		{At: reports.Seconds(ms(2000)), Node: "r1", Instance: "VI_1", From: "BACKUP", To: "FAULT"},
	}}
	got := spansString(State(r).Rows)
	if want := "r1 VI_1: [0,2 BACKUP] [2,10 FAULT]\n"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestARPRowsShowOwnerWhileEntryHasLinkAddress(t *testing.T) {
	r, c := synthetic()
	got := spansString(ARP(r, c).Rows)
	// INCOMPLETE (0.5-3.001 s) has no owner: no span. The FDB entry of
	// r2's MAC ages out at 25 s.
	want := "h1: ARP 10.0.0.254: [3.001,13.001 r1] [13.001,20.501 r2] [20.501,30 r1]\n" +
		"lan: FDB r1 MAC: [3,30 r1/eth0]\n" +
		"lan: FDB r2 MAC: [13,25 r2/eth0]\n"
	if got != want {
		t.Errorf("ARP/FDB rows:\ngot  %s\nwant %s", got, want)
	}
}

func TestChooseBinHoldsFivePacketsAndAtMost600Bins(t *testing.T) {
	for _, tc := range []struct {
		interval time.Duration
		end      sim.Time
		want     time.Duration
	}{
		{20 * time.Millisecond, 30 * sim.Second, 100 * time.Millisecond},
		{10 * time.Millisecond, 30 * sim.Second, 50 * time.Millisecond},
		{time.Second, 60 * sim.Second, 5 * time.Second},
		{time.Millisecond, 3600 * sim.Second, 10 * time.Second}, // 600 bins at most
		{0, 10 * sim.Second, 20 * time.Millisecond},
	} {
		if got := chooseBin(tc.interval, tc.end); got != tc.want {
			t.Errorf("chooseBin(%v, %v): got %v, want %v", tc.interval, tc.end, got, tc.want)
		}
	}
}

func TestTrafficBinsCountBySendTime(t *testing.T) {
	r, c := synthetic()
	d := Traffic(r, c)
	if len(d.Flows) != 1 {
		t.Fatalf("got %d flows, want 1", len(d.Flows))
	}
	f := d.Flows[0]
	if f.Interval != 100*time.Millisecond || f.Bin != 500*time.Millisecond {
		t.Errorf("interval %v bin %v, want 100ms and 500ms", f.Interval, f.Bin)
	}
	var sent, del, lost, fly int
	for _, b := range f.Bins {
		sent, del, lost, fly = sent+b.Sent, del+b.Delivered, lost+b.Lost, fly+b.InFlight
	}
	if sent != 300 || del != 269 || lost != 30 || fly != 1 {
		t.Errorf("sent/delivered/lost/in flight: got %d/%d/%d/%d, want 300/269/30/1", sent, del, lost, fly)
	}
	if b := f.Bins[20]; b.Start != ms(10000) || b.Lost != 5 || b.Delivered != 0 {
		t.Errorf("bin at 10 s: got %+v, want 5 lost", b)
	}
	if len(f.Outages) != 1 || f.Outages[0].Start != ms(10000) || f.Outages[0].End != ms(13000) {
		t.Errorf("outages: got %+v, want 10-13 s", f.Outages)
	}
}

// TestGoldenSeries compares the CSV series of the synthetic run with
// testdata/synthetic.{state,arp,traffic}.csv.
func TestGoldenSeries(t *testing.T) {
	r, c := synthetic()
	s := FromRun(r, c)
	for _, g := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"state", func(b *bytes.Buffer) error { return s.State.WriteCSV(b) }},
		{"arp", func(b *bytes.Buffer) error { return s.ARP.WriteCSV(b) }},
		{"traffic", func(b *bytes.Buffer) error { return s.Traffic.WriteCSV(b) }},
	} {
		var b bytes.Buffer
		if err := g.write(&b); err != nil {
			t.Fatal(err)
		}
		golden(t, "synthetic."+g.name+".csv", b.Bytes())
	}
}

// TestGoldenSVG compares each plot's SVG byte for byte: gonum's SVG
// writer formats floats with %.5g and iterates no maps, so the bytes are
// stable (TestSVGIsByteIdenticalAcrossRenders checks the repeat).
func TestGoldenSVG(t *testing.T) {
	r, c := synthetic()
	imgs, err := FromRun(r, c).Render(SVG, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range imgs {
		golden(t, "synthetic."+im.Name+".svg", im.Data)
	}
}

// goldenDPI keeps the golden PNGs small (500 x 200 pixels).
const goldenDPI = 50

// TestGoldenPNG renders each plot to PNG and compares it with a checked-in
// image, pixel by pixel with a small tolerance: gonum rasterises with its
// own embedded fonts, but floating point may differ in the last bits
// between CPU architectures.
func TestGoldenPNG(t *testing.T) {
	r, c := synthetic()
	imgs, err := FromRun(r, c).Render(PNG, goldenDPI)
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range imgs {
		path := filepath.Join("testdata", "synthetic."+im.Name+".png")
		if *update {
			if err := os.WriteFile(path, im.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if msg := comparePNG(im.Data, want); msg != "" {
			t.Errorf("%s: %s (run go test -update and look at the image if the change is intended)", path, msg)
		}
	}
}

// comparePNG reports how got differs from want beyond tolerance: no
// channel may differ by more than 48 of 255 on more than 0.5% of pixels.
func comparePNG(got, want []byte) string {
	g, err := png.Decode(bytes.NewReader(got))
	if err != nil {
		return "decoding rendered PNG: " + err.Error()
	}
	w, err := png.Decode(bytes.NewReader(want))
	if err != nil {
		return "decoding golden PNG: " + err.Error()
	}
	if g.Bounds() != w.Bounds() {
		return fmt.Sprintf("size: got %v, want %v", g.Bounds().Size(), w.Bounds().Size())
	}
	bad, total := 0, 0
	b := g.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			total++
			if pixelDiff(g, w, x, y) > 48*257 {
				bad++
			}
		}
	}
	if bad*200 > total {
		return fmt.Sprintf("%d of %d pixels differ, want at most 0.5%%", bad, total)
	}
	return ""
}

func pixelDiff(a, b image.Image, x, y int) uint32 {
	r1, g1, b1, a1 := a.At(x, y).RGBA()
	r2, g2, b2, a2 := b.At(x, y).RGBA()
	d := uint32(0)
	for _, p := range [][2]uint32{{r1, r2}, {g1, g2}, {b1, b2}, {a1, a2}} {
		if p[0] > p[1] {
			d = max(d, p[0]-p[1])
		} else {
			d = max(d, p[1]-p[0])
		}
	}
	return d
}

func TestComparePNGDetectsAChangedPlot(t *testing.T) {
	r, c := synthetic()
	a, err := State(r).Render("a", PNG, goldenDPI)
	if err != nil {
		t.Fatal(err)
	}
	if msg := comparePNG(a, a); msg != "" {
		t.Errorf("identical images: got %q, want no difference", msg)
	}
	// Same data, different plot: the ARP plot must not pass as the state plot.
	b, err := ARP(r, c).Render("a", PNG, goldenDPI)
	if err != nil {
		t.Fatal(err)
	}
	if comparePNG(b, a) == "" {
		t.Error("the ARP plot compared equal to the state plot, want a difference")
	}
}

func TestSVGIsByteIdenticalAcrossRenders(t *testing.T) {
	var prev []Image
	for i := 0; i < 3; i++ {
		r, c := synthetic()
		imgs, err := FromRun(r, c).Render(SVG, 0)
		if err != nil {
			t.Fatal(err)
		}
		if prev != nil {
			for j := range imgs {
				if !bytes.Equal(imgs[j].Data, prev[j].Data) {
					t.Errorf("%s.svg differs between renders of the same run", imgs[j].Name)
				}
			}
		}
		prev = imgs
	}
}

func TestSVGHasFontFallbackAndReadableSizes(t *testing.T) {
	r, _ := synthetic()
	svg, err := State(r).Render("t", SVG, 0)
	if err != nil {
		t.Fatal(err)
	}
	s := string(svg)
	if strings.Contains(s, svgFontFamily) || !strings.Contains(s, svgFontFallback) {
		t.Errorf("SVG font family: want every %q replaced by %q", svgFontFamily, svgFontFallback)
	}
	// Every text is at least 12 pt (gonum writes px = pt in its viewBox).
	for _, m := range regexp.MustCompile(`font-size:([0-9.]+)px`).FindAllStringSubmatch(s, -1) {
		var size float64
		fmt.Sscan(m[1], &size)
		if size < 12 {
			t.Errorf("font size %s pt, want >= 12", m[1])
		}
	}
	if !strings.Contains(s, `width="720pt" height="288pt"`) {
		t.Errorf("SVG size: want 10 in x 4 in (720 x 288 pt), header %q", s[:min(len(s), 200)])
	}
	for _, want := range []string{"virtual time (s)", "r1 VI_1", "crash r1", "split brain", "MASTER"} {
		if !strings.Contains(s, want) {
			t.Errorf("state SVG lacks %q", want)
		}
	}
}

func TestInlineSVGDropsXMLDeclaration(t *testing.T) {
	got := InlineSVG([]byte("<?xml version=\"1.0\"?>\n<!-- x -->\n<svg width=\"1pt\"></svg>\n"))
	if got != `<svg width="1pt"></svg>` {
		t.Errorf("got %q, want the <svg> element alone", got)
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"svg": SVG, "PNG": PNG, "pdf": PDF} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q): got %q, %v, want %q", in, got, err, want)
		}
	}
	if _, err := ParseFormat("eps"); err == nil || !strings.Contains(err.Error(), "svg, png or pdf") {
		t.Errorf("ParseFormat(eps): got %v, want an error naming svg, png or pdf", err)
	}
}

func TestEmptyRunStillRenders(t *testing.T) {
	c := reports.NewCollector()
	r := c.Report(reports.Meta{Scenario: "empty", Duration: 5 * sim.Second})
	for _, f := range []Format{SVG, PNG} {
		if _, err := FromRun(r, c).Render(f, goldenDPI); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestWriteDirWritesImagesAndSeries(t *testing.T) {
	r, c := synthetic()
	dir := filepath.Join(t.TempDir(), "new", "dir")
	written, err := FromRun(r, c).WriteDir(dir, PNG, goldenDPI)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range written {
		names = append(names, filepath.Base(p))
	}
	if got, want := strings.Join(names, " "), "state.png arp.png traffic.png state.csv arp.csv traffic.csv"; got != want {
		t.Errorf("written: got %s, want %s", got, want)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 6 {
		t.Errorf("dir has %d entries, want 6 (no temporary files left)", len(entries))
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test -update and review the diff)\ngot:\n%s", path, firstDiff(got, want))
	}
}

func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return fmt.Sprintf("line %d: got %.200q, want %.200q", i+1, a, b)
		}
	}
	return "(no line differs)"
}

func BenchmarkRenderAllSVG(b *testing.B) {
	r, c := synthetic()
	s := FromRun(r, c)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Render(SVG, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderAllPNG(b *testing.B) {
	r, c := synthetic()
	s := FromRun(r, c)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Render(PNG, DefaultDPI); err != nil {
			b.Fatal(err)
		}
	}
}
