package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/reports/plot"
)

// chromium finds a headless Chromium, or skips the test (fails it on CI,
// where .ci/run installs Debian's chromium package).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found; CI must install it (apt-get install -y chromium)")
	}
	t.Skip("chromium not installed (apt-get install -y chromium)")
	return ""
}

// runChromium runs headless Chromium on file with the extra flags and
// returns what it wrote to stdout and stderr.
func runChromium(t *testing.T, bin, file string, extra ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	abs, err := filepath.Abs(file)
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run",
		"--user-data-dir=" + t.TempDir()}, extra...)
	cmd := exec.CommandContext(ctx, bin, append(args, "file://"+abs)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, errb.String())
	}
	return out.String(), errb.String()
}

// loadInChromium opens file in headless Chromium and returns the DOM after
// the load event and the console messages Chromium logged.
func loadInChromium(t *testing.T, bin, file string) (dom string, console []string) {
	t.Helper()
	dom, errb := runChromium(t, bin, file, "--enable-logging=stderr", "--v=0", "--dump-dom")
	// Chromium logs every console message (errors included) as
	// "...:INFO:CONSOLE(line)] "text", source: ...".
	for _, l := range strings.Split(errb, "\n") {
		if strings.Contains(l, ":CONSOLE") {
			console = append(console, l)
		}
	}
	return dom, console
}

// TestHTMLReportLoadsInChromiumWithoutErrors renders the default
// scenario's report in a real browser: the page's own script marks <html>
// with plot.OKMarker on load only if no script error, failed load or CSP
// violation (an attempt to fetch from outside the file) happened, and
// Chromium must log no console message at all. A copy of the page with
// a deliberate error checks that the detection works.
func TestHTMLReportLoadsInChromiumWithoutErrors(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	if code, _, stderr := runCLI(t, "run", "-q", "--html", path); code != exitOK {
		t.Fatalf("run --html: exit %d: %s", code, stderr)
	}
	dom, console := loadInChromium(t, bin, path)
	if !strings.Contains(dom, plot.OKMarker) {
		head := dom[:min(len(dom), 600)]
		t.Errorf("the DOM after load lacks %s; the page saw a problem:\n%s", plot.OKMarker, head)
	}
	if len(console) > 0 {
		t.Errorf("console messages while loading the report, want none:\n%s", strings.Join(console, "\n"))
	}
	for _, want := range []string{"<svg", "all 2 expectations passed", "Transitions"} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered DOM lacks %q", want)
		}
	}

	// Negative control: a script error and an external image.
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(page), "<footer>", `<script>throw new Error("planted")</script><img src="http://192.0.2.1/x.png"><footer>`, 1)
	badPath := filepath.Join(dir, "bad.html")
	if err := os.WriteFile(badPath, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, console = loadInChromium(t, bin, badPath)
	if strings.Contains(dom, plot.OKMarker) {
		t.Errorf("a page with a planted error still got %s: the check detects nothing", plot.OKMarker)
	}
	for _, want := range []string{"planted", "csp: http://192.0.2.1/x.png"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the planted page's problem list lacks %q", want)
		}
	}
	if len(console) == 0 {
		t.Error("no console message for the planted error, want one")
	}
}

// screenshot has headless Chromium render file in a tall window and
// returns the picture.
func screenshot(t *testing.T, bin, file string, w, h int) image.Image {
	t.Helper()
	shot := filepath.Join(t.TempDir(), "shot.png")
	runChromium(t, bin, file, "--hide-scrollbars", fmt.Sprintf("--window-size=%d,%d", w, h), "--screenshot="+shot)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// colourCount counts the pixels within a small distance of each colour.
func colourCount(img image.Image, colours map[string]color.RGBA) map[string]int {
	n := map[string]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			for name, c := range colours {
				dr, dg, db := int(r>>8)-int(c.R), int(g>>8)-int(c.G), int(bl>>8)-int(c.B)
				if dr*dr+dg*dg+db*db < 24*24 {
					n[name]++
				}
			}
		}
	}
	return n
}

// drawnPixels writes the HTML report of scenario, checks it holds each
// of want, and screenshots it (w x h) as it is and with the SVGs that
// hideSelector picks made invisible (visibility: hidden keeps the layout,
// so every other pixel stays put). It returns, per colour, how many more
// pixels near it the first picture has: what the browser drew for them.
func drawnPixels(t *testing.T, scenario string, want []string, hideSelector string, colours map[string]color.RGBA, w, h int) map[string]int {
	t.Helper()
	bin := chromium(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	if code, _, stderr := runCLI(t, "run", scenario, "-q", "--html", path); code != exitOK {
		t.Fatalf("run --html: exit %d: %s", code, stderr)
	}
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range want {
		if !bytes.Contains(page, []byte(x)) {
			t.Fatalf("the report lacks %s", x)
		}
	}
	hidden := strings.Replace(string(page), "</style>", hideSelector+" { visibility: hidden; }\n</style>", 1)
	hiddenPath := filepath.Join(dir, "hidden.html")
	if err := os.WriteFile(hiddenPath, []byte(hidden), 0o644); err != nil {
		t.Fatal(err)
	}
	full := colourCount(screenshot(t, bin, path, w, h), colours)
	bare := colourCount(screenshot(t, bin, hiddenPath, w, h), colours)
	diff := map[string]int{}
	for name := range colours {
		diff[name] = full[name] - bare[name]
	}
	return diff
}

// TestHTMLReportScreenshotShowsDiagramAndSequence takes a screenshot of
// the master-crash report with and without the network diagram and the
// sequence chart: the lan bus, r2's MASTER role, the crashed r1, the VRRP
// adverts, the GARPs and the crash line must each account for real
// pixels.
func TestHTMLReportScreenshotShowsDiagramAndSequence(t *testing.T) {
	colours := map[string]color.RGBA{
		"bus #5f6368":         {0x5f, 0x63, 0x68, 255},
		"MASTER #34a853":      {0x34, 0xa8, 0x53, 255},
		"crashed #fce8e6":     {0xfc, 0xe8, 0xe6, 255},
		"vrrp arrow #1a73e8":  {0x1a, 0x73, 0xe8, 255},
		"arp arrow #e37400":   {0xe3, 0x74, 0x00, 255},
		"crash line #ea4335":  {0xea, 0x43, 0x35, 255},
		"lifeline #9aa0a6":    {0x9a, 0xa0, 0xa6, 255},
		"participant #e8f0fe": {0xe8, 0xf0, 0xfe, 255},
	}
	drawn := drawnPixels(t, "master-crash", []string{`<figure id="diagram">`, `class="sequence"`}, "#diagram svg, figure.sequence svg", colours, 1300, 9000)
	for name := range colours {
		if drawn[name] < 150 {
			t.Errorf("%s: %d pixels more with the pictures shown, want at least 150", name, drawn[name])
		}
	}
}

// TestHTMLReportScreenshotShowsLoadBalancingPlots: the real-server-dies
// report, screenshot with and without its two load-balancing plots (the
// same page with #plot-load and #plot-latency hidden keeps its layout).
// The per-server load lines (rs1..rs3 in the palette's first three
// colours), the dashed failed-connections line and the latency CDF must
// each account for real pixels, as a reader would see them.
func TestHTMLReportScreenshotShowsLoadBalancingPlots(t *testing.T) {
	colours := map[string]color.RGBA{
		"rs1 and latency #4e79a7": {0x4e, 0x79, 0xa7, 255},
		"rs2 #f28e2b":             {0xf2, 0x8e, 0x2b, 255},
		"rs3 #59a14f":             {0x59, 0xa1, 0x4f, 255},
		"failed #e15759":          {0xe1, 0x57, 0x59, 255},
	}
	want := []string{`<figure id="plot-load">`, `<figure id="plot-latency">`, "New connections per real server"}
	drawn := drawnPixels(t, "real-server-dies", want, "#plot-load svg, #plot-latency svg", colours, 1300, 12000)
	for name := range colours {
		if drawn[name] < 300 {
			t.Errorf("%s: %d pixels more with the plots shown, want at least 300", name, drawn[name])
		}
	}
}
