package main

import (
	"bytes"
	"context"
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

// loadInChromium opens file in headless Chromium and returns the DOM after
// the load event and the console messages Chromium logged.
func loadInChromium(t *testing.T, bin, file string) (dom string, console []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	abs, err := filepath.Abs(file)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run",
		"--user-data-dir="+t.TempDir(), "--enable-logging=stderr", "--v=0",
		"--dump-dom", "file://"+abs)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, errb.String())
	}
	// Chromium logs every console message (errors included) as
	// "...:INFO:CONSOLE(line)] "text", source: ...".
	for _, l := range strings.Split(errb.String(), "\n") {
		if strings.Contains(l, ":CONSOLE") {
			console = append(console, l)
		}
	}
	return out.String(), console
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
