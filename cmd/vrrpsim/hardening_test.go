package main

// Issue 13 (hardening): each test names the item it covers. Hostile
// inputs must fail with exit 2 and a message that names the problem, and
// outputs must never replace what the user did not mean to replace.

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// pcapMagicNanos is the pcap header of a nanosecond-resolution file as
// pcapgo writes it (little endian 0xa1b23c4d).
var pcapMagicNanos = []byte{0x4d, 0x3c, 0xb2, 0xa1}

// Item 1: --pcap - streams the frames to stdout; the summary moves to
// stderr so the pipe carries nothing but the pcap.
func TestHardeningPcapToStdout(t *testing.T) {
	code, out, stderr := runCLI(t, "run", "--pcap", "-")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !bytes.HasPrefix([]byte(out), pcapMagicNanos) {
		t.Errorf("stdout starts % x, want the pcap magic % x", out[:min(4, len(out))], pcapMagicNanos)
	}
	if !strings.Contains(stderr, "expectations: 2 passed") {
		t.Errorf("stderr does not carry the summary: %q", stderr)
	}
	for _, extra := range []string{"--trace", "--json"} {
		if code, _, stderr := runCLI(t, "run", "--pcap", "-", extra); code != exitBadInput || !strings.Contains(stderr, "--pcap - writes the frames to stdout") {
			t.Errorf("--pcap - %s: exit %d, stderr %q; want 2 and a usage error", extra, code, stderr)
		}
	}
}

// Item 1: --pcap through a symlink replaces the link's target and keeps
// the link and the target's mode.
func TestHardeningPcapThroughSymlinkKeepsLinkAndMode(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "capture.pcap")
	link := filepath.Join(dir, "latest.pcap")
	if err := os.WriteFile(target, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("capture.pcap", link); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "run", "-q", "--pcap", link); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("%s is no longer a symlink (%v)", link, err)
	}
	b := readFile(t, target)
	if !bytes.HasPrefix(b, pcapMagicNanos) {
		t.Errorf("target does not hold the pcap")
	}
	if st, _ := os.Stat(target); st.Mode().Perm() != 0o600 {
		t.Errorf("target mode: got %v, want 0600 kept", st.Mode().Perm())
	}
}

// Item 1: an unwritable --pcap fails before the run, naming the user's
// path and never a temporary file.
func TestHardeningPcapErrorNamesUserPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "x.pcap")
	code, _, stderr := runCLI(t, "run", "-q", "--pcap", path)
	if code != exitBadInput || !strings.Contains(stderr, "writing "+path+": no such file or directory") || strings.Contains(stderr, ".tmp-") {
		t.Errorf("exit %d, stderr %q; want 2 naming %s and no temporary name", code, stderr, path)
	}
}

// Item 2: a shard whose header names a metric "../../escaped_s" must not
// make 'merge --out' write escaped_s.svg outside the output directory.
func TestHardeningMergeHeaderCannotEscapeOutDir(t *testing.T) {
	root := t.TempDir()
	out := filepath.Join(root, "a", "b", "out")
	shard := filepath.Join(root, "shard.csv")
	csv := "run,point,p,seed,../../escaped_s\n0,0,1s,1,1.5\n"
	if err := os.WriteFile(shard, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "merge", "--out", out, shard)
	if code != exitBadInput || !strings.Contains(stderr, `base name "../../escaped_s" is not a plain name`) {
		t.Errorf("exit %d, stderr %q; want 2 and 'not a plain name'", code, stderr)
	}
	if m, _ := filepath.Glob(filepath.Join(root, "a", "escaped_s*")); len(m) > 0 {
		t.Errorf("merge wrote outside --out: %v", m)
	}
}

// Item 6: inputs that never end (a FIFO, /dev/zero) are refused before a
// byte is read, as scenarios and as merge shards.
func TestHardeningEndlessInputsRefused(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "s.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"run", fifo}, fifo + ": a named pipe (FIFO), not a regular file"},
		{[]string{"run", "/dev/zero"}, "/dev/zero: a character device, not a regular file"},
		{[]string{"check", "/dev/zero"}, "/dev/zero: a character device, not a regular file"},
		{[]string{"sweep", "/dev/zero", "--set", "seed=1,2", "--out", dir}, "/dev/zero: a character device"},
		{[]string{"merge", filepath.Join(dir, "o.csv"), fifo}, fifo + ": not a regular file"},
		{[]string{"merge", filepath.Join(dir, "o.csv"), "/dev/zero"}, "/dev/zero: not a regular file"},
	}
	for _, tt := range tests {
		code, out, stderr := runCLI(t, tt.args...)
		if code != exitBadInput || !strings.Contains(out+stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

// Item 3: a limit names itself and the flag that raises it; the flag works.
func TestHardeningLimitFlag(t *testing.T) {
	src := masterCrashSource(t)
	path := writeFile(t, filepath.Join(t.TempDir(), "s.yaml"), src)
	code, _, stderr := runCLI(t, "run", "-q", "--limit", "nodes=2", path)
	if code != exitBadInput || !strings.Contains(stderr, "nodes: 3, over the limit of 2 (nodes); valid: a smaller scenario, or raise the limit with --limit nodes=N") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "run", "-q", "--limit", "nodes=3", path); code != exitOK {
		t.Errorf("--limit nodes=3: exit %d, %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "check", "--limit", "nodez=3", path); code != exitBadInput || !strings.Contains(stderr, `unknown limit "nodez"`) {
		t.Errorf("unknown limit: exit %d, %s", code, stderr)
	}
}

// Item 5: untrusted integers and floats are bounded before they size an
// allocation or a loop; NaN and Inf are refused.
func TestHardeningUntrustedNumbers(t *testing.T) {
	dir := t.TempDir()
	big := "duration=1s:1000s:1s"
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--runs", "1000000000", "-q"}, "--runs 1000000000: want 1..1000000"},
		{[]string{"run", "--runs", "2", "--workers", "9223372036854775807", "-q"}, "--workers 9223372036854775807: want 1..4096"},
		{[]string{"check", "--workers", "-1", "."}, "--workers -1: want 1..4096"},
		{[]string{"sweep", "master-crash", "--set", "duration=1s,2s", "--runs", "20000000", "--out", dir}, "--runs 20000000: over the limit of 10000000"},
		// 1000^3 points: the product overflows nothing and is refused.
		{[]string{"sweep", "master-crash", "--set", big, "--set", strings.Replace(big, "duration", "segments.lan.latency", 1), "--set", strings.Replace(big, "duration", "segments.lan.jitter", 1), "--out", dir}, "the grid has more than 10000000 runs"},
		{[]string{"sweep", "master-crash", "--set", "duration=1s,2s", "--shard", "0/99999999999", "--out", dir}, "--shard \"0/99999999999\""},
		{[]string{"sweep", "master-crash", "--set", "duration=1s,2s", "--plot-size", "NaNxNaN", "--out", dir}, "--plot-size \"NaNxNaN\""},
		{[]string{"sweep", "master-crash", "--set", "duration=1s,2s", "--plot-size", "Infx10", "--out", dir}, "--plot-size \"Infx10\""},
	}
	for _, tt := range tests {
		code, out, stderr := runCLI(t, tt.args...)
		if code != exitBadInput || !strings.Contains(out+stderr, tt.want) {
			t.Errorf("%.80v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

// Item 4: a run that cannot finish is refused before it starts, with the
// flow that makes it so.
func TestHardeningRunEstimateRefusesEndlessWork(t *testing.T) {
	src := edited(t, masterCrashSource(t), "interval: 20ms", "interval: 1ns")
	path := writeFile(t, filepath.Join(t.TempDir(), "s.yaml"), src)
	code, _, stderr := runCLI(t, "run", "-q", path)
	if code != exitBadInput || !strings.Contains(stderr, "the run would need about 2.5e+11 events (mostly flow h1/ping-1: one packet every 1ns for 25 s), over the limit of 200000000 (events)") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	// A long --until is refused the same way.
	code, _, stderr = runCLI(t, "run", "-q", "--until", "100000h")
	if code != exitBadInput || !strings.Contains(stderr, "over the limit of 200000000 (events)") {
		t.Errorf("--until 100000h: exit %d, stderr %q", code, stderr)
	}
}

// Item 4: the budget is enforced while the run goes (an event that
// re-arms itself every nanosecond escapes every estimate), and Ctrl-C
// stops a run between events.
func TestHardeningRunBudgetWhileRunning(t *testing.T) {
	tick := func(k *sim.Kernel) {
		var f func()
		f = func() { k.After(time.Nanosecond, f) }
		k.At(0, f)
	}
	// A world in two parts, the busy one second, in lockstep and in
	// windows (sim.Group): the budget counts every part's events.
	for _, windows := range []bool{false, true} {
		g := sim.NewGroup(1, 2)
		if windows {
			g.Windows(sim.Time(time.Millisecond), nil)
		}
		tick(g.Kernels()[1])
		err := runBudget{events: 10000}.run(g, sim.Time(time.Hour))
		if err == nil || !strings.Contains(err.Error(), "over the limit of 10000 (events)") {
			t.Errorf("budget (windows %v): got %v", windows, err)
		}
		if g.Fired() > 10000+checkEvery {
			t.Errorf("windows %v: ran %d events, want the run stopped within %d of the limit", windows, g.Fired(), checkEvery)
		}
	}
	stop := make(chan struct{})
	close(stop)
	g := sim.NewGroup(1, 1)
	tick(g.Kernels()[0])
	if err := (runBudget{stop: stop}).run(g, sim.Time(time.Hour)); !errors.Is(err, errInterrupted) {
		t.Errorf("interrupt: got %v, want errInterrupted", err)
	}
	// Within the budget it runs exactly like Run and leaves the clock at
	// the end.
	g = sim.NewGroup(1, 2)
	g.Kernels()[0].At(5, func() {})
	if err := (runBudget{}).run(g, 100); err != nil || g.Now() != 100 || g.Fired() != 1 {
		t.Errorf("small run: err %v, now %v, fired %d; want nil, 100, 1", err, g.Now(), g.Fired())
	}
}

// Item 9: a scenario whose strings hold terminal escapes prints them
// escaped in the text report and in errors.
func TestHardeningTerminalEscapesInReport(t *testing.T) {
	src := edited(t, masterCrashSource(t), "name: master-crash", `name: "evil\e[2J\a"`)
	path := writeFile(t, filepath.Join(t.TempDir(), "s.yaml"), src)
	code, out, stderr := runCLI(t, "run", path)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.ContainsAny(out, "\x1b\x07") || !strings.Contains(out, `evil\x1b[2J\x07`) {
		t.Errorf("report carries raw control characters or lacks the escaped name:\n%.300s", out)
	}
	bad := edited(t, src, "crash: r1", "crash: \"r1\\e]0;pwned\\a\"")
	path = writeFile(t, filepath.Join(t.TempDir(), "s.yaml"), bad)
	_, _, stderr = runCLI(t, "run", path)
	if strings.ContainsAny(stderr, "\x1b\x07") {
		t.Errorf("error carries raw control characters: %q", stderr)
	}
}

// Item 11: check DIR stays inside the tree and never quotes a file that
// is not a scenario.
func TestHardeningCheckDirStaysInsideAndQuotesNothing(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.yaml")
	writeFile(t, secret, "password: hunter2\n")
	tree := t.TempDir()
	writeFile(t, filepath.Join(tree, "ok.yaml"), masterCrashSource(t))
	writeFile(t, filepath.Join(tree, "stray.yaml"), "token: s3cr3t-value\n")
	if err := os.Symlink(secret, filepath.Join(tree, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("ok.yaml", filepath.Join(tree, "inside.yaml")); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, "check", tree)
	all := out + stderr
	if code != exitBadInput {
		t.Errorf("exit %d, want 2", code)
	}
	for _, leak := range []string{"hunter2", "password", "s3cr3t", "token"} {
		if strings.Contains(all, leak) {
			t.Errorf("output quotes file content %q:\n%s", leak, all)
		}
	}
	for _, want := range []string{
		filepath.Join(tree, "link.yaml") + ": a symlink that leads outside " + tree,
		filepath.Join(tree, "stray.yaml") + ": not a vrrpsim scenario",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("output lacks %q:\n%s", want, all)
		}
	}
}

// Item 17: an expectation about a time after a shortened run's end is
// "not reached", neither PASS nor FAIL (reports.Report.Evaluate).
func TestHardeningExpectationAfterUntilIsNotReached(t *testing.T) {
	code, out, stderr := runCLI(t, "run", "--until", "12s")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"PASS  line 63: at 9s",
		"NOT REACHED  line 65: within 3.7s after crash r1: VI_1 master is r2 -- not reached: it is about 13.700000, the run ended at 12.000000",
		"expectations: 1 passed, 0 failed, 1 not reached",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// At 14 s the window (13.7 s) is inside the run and is judged.
	if _, out, _ := runCLI(t, "run", "--until", "14s"); !strings.Contains(out, "expectations: 2 passed, 0 failed\n") {
		t.Errorf("--until 14s: %s", out[strings.LastIndex(out, "expectations"):])
	}
	// A run that ends before the action itself (crash r1 at 10 s) is not
	// reached either: the action is scheduled, not missing, so no FAIL
	// "never happened" and exit 0.
	code, out, stderr = runCLI(t, "run", "--until", "5s")
	if code != exitOK || !strings.Contains(out, "NOT REACHED  line 65: within 3.7s after crash r1: VI_1 master is r2 -- not reached: it is about 13.700000, the run ended at 5.000000") ||
		!strings.Contains(out, "expectations: 0 passed, 0 failed, 2 not reached") {
		t.Errorf("--until 5s: exit %d, stderr %q, out:\n%s", code, stderr, out)
	}
}

// Item 18: built-in names win over same-named entries of the current
// directory, check accepts them, --version exists, and mistakes get a
// did-you-mean hint and the vrrpsim: prefix.
func TestHardeningNewUserRoughEdges(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "master-crash"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	if code, _, stderr := runCLI(t, "run", "-q", "master-crash"); code != exitOK {
		t.Errorf("run master-crash beside a directory of that name: exit %d, %s", code, stderr)
	}
	if code, out, stderr := runCLI(t, "check", "master-crash"); code != exitOK || !strings.Contains(out, "2 passed") {
		t.Errorf("check master-crash: exit %d, %s%s", code, out, stderr)
	}
	if code, out, _ := runCLI(t, "--version"); code != exitOK || !strings.HasPrefix(out, "vrrpsim ") {
		t.Errorf("--version: exit %d, %q", code, out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"rnu"}, `vrrpsim: unknown command "rnu" (did you mean "run"?)`},
		{[]string{"run", "--sed", "3"}, `vrrpsim: run: unknown flag: --sed (did you mean "seed"?); see 'vrrpsim run --help'`},
		{[]string{"run", "--limit", "nodes=abc"}, `vrrpsim: run: invalid argument "nodes=abc" for "--limit" flag: want NAME=N with N a whole number; see 'vrrpsim run --help'`},
		{[]string{"run", "master-crsh"}, `vrrpsim: "master-crsh" is neither a scenario file nor a built-in scenario (did you mean "master-crash"?)`},
		{[]string{"check", "master-crsh"}, `vrrpsim: check: 1 invalid scenario(s)`},
	} {
		if code, _, stderr := runCLI(t, c.args...); code != exitBadInput || !strings.HasPrefix(stderr, c.want) && !strings.Contains(stderr, "\n"+c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}

// Item 21: conflicting flags are refused, not silently resolved; an
// unknown --cdf metric is an error naming the valid ones.
func TestHardeningConflictingFlags(t *testing.T) {
	for _, args := range [][]string{{"run", "-q", "--json"}, {"run", "-q", "--trace"}} {
		if code, _, stderr := runCLI(t, args...); code != exitBadInput || !strings.Contains(stderr, "-q prints nothing") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
	code, _, stderr := runCLI(t, "sweep", "master-crash", "--set", "nodes.r2.vrrp.VI_1.advert_int=1s,2s", "--cdf", "detect", "--out", t.TempDir(), "-q")
	if code != exitBadInput || !strings.Contains(stderr, `--cdf metric "detect" is not a numeric metric of this sweep (did you mean "detect_s"?)`) {
		t.Errorf("--cdf detect: exit %d, stderr %q", code, stderr)
	}
}

// Item 21: sweep PNGs take --dpi (they were drawn at gonum's 96 dpi).
func TestHardeningSweepPNGDPI(t *testing.T) {
	size := func(dpi string) (int, int) {
		dir := t.TempDir()
		if code, _, stderr := runCLI(t, "sweep", "master-crash", "--set", "nodes.r2.vrrp.VI_1.advert_int=1s,2s", "--format", "png", "--dpi", dpi, "--out", dir, "-q"); code != exitOK {
			t.Fatalf("--dpi %s: exit %d: %s", dpi, code, stderr)
		}
		b := readFile(t, filepath.Join(dir, "detect_s.png"))
		be := func(o int) int { return int(b[o])<<24 | int(b[o+1])<<16 | int(b[o+2])<<8 | int(b[o+3]) }
		return be(16), be(20) // IHDR width and height
	}
	w1, h1 := size("150")
	w2, h2 := size("300")
	if w1 != 945 || h1 != 591 || w2 != 2*w1 || h2 < 2*h1-1 || h2 > 2*h1+1 {
		t.Errorf("PNG sizes: 150 dpi %dx%d, 300 dpi %dx%d; want 945x591 (16x10 cm) and twice that", w1, h1, w2, h2)
	}
	if code, _, stderr := runCLI(t, "sweep", "master-crash", "--set", "nodes.r2.vrrp.VI_1.advert_int=1s,2s", "--dpi", "5", "--out", t.TempDir()); code != exitBadInput || !strings.Contains(stderr, "--dpi 5: want 10..1200") {
		t.Errorf("--dpi 5: exit %d, %q", code, stderr)
	}
}
