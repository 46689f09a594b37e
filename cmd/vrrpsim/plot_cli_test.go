package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlotWritesImagesAndSeries(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "plots")
	code, out, stderr := runCLI(t, "plot", "--out", dir)
	if code != exitOK {
		t.Fatalf("exit %d, want 0; stderr: %s", code, stderr)
	}
	var want []string
	for _, n := range []string{"state.svg", "arp.svg", "traffic.svg", "state.csv", "arp.csv", "traffic.csv"} {
		want = append(want, filepath.Join(dir, n))
	}
	if got := strings.Fields(out); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("stdout: got %q, want the paths %q", got, want)
	}
	for _, p := range want {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(p, ".svg") && !bytes.HasPrefix(b, []byte("<?xml")) {
			t.Errorf("%s does not start like an SVG document: %.40q", p, b)
		}
	}
}

func TestPlotPNGIsSlideSized(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := runCLI(t, "plot", "master-crash", "--out", dir, "--format", "png")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	f, err := os.Open(filepath.Join(dir, "state.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	// 10 in x 4 in at 150 dpi.
	if cfg.Width != 1500 || cfg.Height != 600 {
		t.Errorf("state.png is %dx%d, want 1500x600", cfg.Width, cfg.Height)
	}
}

// TestPlotTakesEverySweepFormat (issue 13 item 21): plot writes each
// format sweep --format accepts, with the format's magic bytes, the same
// bytes on a second run (the PDF's creation date is fixed).
func TestPlotTakesEverySweepFormat(t *testing.T) {
	magic := map[string]string{"svg": "<?xml", "png": "\x89PNG", "pdf": "%PDF-"}
	for _, f := range []string{"svg", "png", "pdf"} { // cmd_sweep.go plotOptions
		var prev []byte
		for run := range 2 {
			dir := t.TempDir()
			code, _, stderr := runCLI(t, "plot", "master-crash", "--out", dir, "--format", f)
			if code != exitOK {
				t.Fatalf("--format %s: exit %d: %s", f, code, stderr)
			}
			b, err := os.ReadFile(filepath.Join(dir, "traffic."+f))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(b, []byte(magic[f])) {
				t.Errorf("traffic.%s starts %.8q, want %q", f, b, magic[f])
			}
			if run == 1 && !bytes.Equal(prev, b) {
				t.Errorf("traffic.%s differs between two runs", f)
			}
			prev = b
		}
	}
}

func TestPlotBadUsageExits2WithOneLine(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"plot"}, "--out DIR is required"},
		{[]string{"plot", "--out", dir, "--format", "eps"}, "want svg, png or pdf"},
		{[]string{"plot", "--out", dir, "--format", "pdf", "--sequence", "crash r1"}, "--sequence draws svg or png, not pdf"},
		{[]string{"plot", "--out", dir, "--dpi", "0"}, "--dpi 0"},
		{[]string{"plot", "--out", dir, "--until", "soon"}, "--until"},
		{[]string{"plot", "no-such-scenario", "--out", dir}, "neither a scenario file nor a built-in"},
		{[]string{"plot", "a", "b", "--out", dir}, "one scenario"},
		{[]string{"plot", "--out", "/proc/vrrpsim-cannot-write-here"}, "--out"},
	} {
		code, _, stderr := runCLI(t, tc.args...)
		if code != exitBadInput || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: got exit %d, stderr %q; want exit 2 and one line containing %q", tc.args, code, stderr, tc.want)
		}
	}
}

// TestPlotOutputIsByteIdentical: two runs of the same scenario and seed,
// by `plot` and by `run --plots`, give the same bytes in every file.
func TestPlotOutputIsByteIdentical(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if code, _, stderr := runCLI(t, "plot", "--out", a); code != exitOK {
		t.Fatalf("plot: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "run", "-q", "--plots", b); code != exitOK {
		t.Fatalf("run --plots: exit %d: %s", code, stderr)
	}
	for _, n := range []string{"state.svg", "arp.svg", "traffic.svg", "state.csv", "arp.csv", "traffic.csv"} {
		x, err1 := os.ReadFile(filepath.Join(a, n))
		y, err2 := os.ReadFile(filepath.Join(b, n))
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v %v", n, err1, err2)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs", n)
		}
	}
}

// TestPlotGoldenSeries compares the plotted series of every built-in
// scenario with testdata/plot/NAME.{state,arp,traffic}.csv. Regenerate
// with `go test ./cmd/vrrpsim -run PlotGolden -update` and review the diff.
func TestPlotGoldenSeries(t *testing.T) {
	for _, name := range []string{"master-crash", "tracked-uplink-split-brain"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if code, _, stderr := runCLI(t, "plot", name, "--out", dir); code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, kind := range []string{"state", "arp", "traffic"} {
				got, err := os.ReadFile(filepath.Join(dir, kind+".csv"))
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join("testdata", "plot", name+"."+kind+".csv")
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from the golden file (run with -update and review the diff)\ngot:\n%s", path, got)
				}
			}
		})
	}
}

func TestPlotGoldenStateShowsTakeover(t *testing.T) {
	// A readable check of the golden series beside the byte comparison:
	// RFC 3768 section 6.4.2, r2 becomes master after Master_Down_Interval.
	dir := t.TempDir()
	if code, _, stderr := runCLI(t, "plot", "--out", dir); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "state.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"state,r1 VI_1,10,30,INIT", "state,r2 VI_1,13.023457,30,MASTER", "action,,10,10,crash r1"} {
		if !strings.Contains(string(b), want+"\n") {
			t.Errorf("state.csv lacks the line %q:\n%s", want, b)
		}
	}
}

func TestRunHTMLWritesOneSelfContainedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.html")
	code, _, stderr := runCLI(t, "run", "-q", "--html", path)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{"<!DOCTYPE html>", "master-crash", "all 2 expectations passed", "10.0.0.254/32", "02:00:00:00:01:01", "<svg "} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(s, "http://") && strings.Count(s, "http://") != strings.Count(s, `"http://www.w3.org/`) {
		t.Error("report contains an http:// reference other than the SVG namespaces")
	}
}

func TestRunHTMLToMissingDirectoryExits2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "dir", "report.html")
	code, _, stderr := runCLI(t, "run", "-q", "--html", path)
	if code != exitBadInput || !strings.Contains(stderr, "--html") {
		t.Errorf("got exit %d, stderr %q; want exit 2 naming --html", code, stderr)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("a report file was written despite the error")
	}
}

// TestHTMLTopologyShowsWhichMACAnswersForTheVIPs: with use_vmac the VIPs
// answer with 00:00:5e:00:01:VRID (RFC 3768 section 7.3), else with the
// interface's own MAC — the difference the vmac-vs-real-mac lab teaches.
func TestHTMLTopologyShowsWhichMACAnswersForTheVIPs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.html")
	if code, _, stderr := runCLI(t, "run", "vmac-vs-real-mac", "-q", "--html", path); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"MAC for VIPs", "use_vmac 00:00:5e:00:01:02", "interface MAC"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("HTML report lacks %q", want)
		}
	}
}
