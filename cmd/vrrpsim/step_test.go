package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/cmd/vrrpsim/stepper"
)

// TestStepGolden runs each testdata/step/SCENARIO.LABEL.script with
// `vrrpsim step SCENARIO --script-file` and compares the output with
// SCENARIO.LABEL.golden (the scripted mode is the contract of issue 15).
// Regenerate with `go test ./cmd/vrrpsim -run StepGolden -update`.
func TestStepGolden(t *testing.T) {
	scripts, err := filepath.Glob(filepath.Join("testdata", "step", "*.script"))
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts in testdata/step (%v)", err)
	}
	for _, path := range scripts {
		name := strings.TrimSuffix(filepath.Base(path), ".script")
		scenario, _, _ := strings.Cut(name, ".")
		t.Run(name, func(t *testing.T) {
			var got [2]string
			for i := range got {
				code, out, stderr := runCLI(t, "step", scenario, "--script-file", path)
				if code != exitOK {
					t.Fatalf("exit %d: %s", code, stderr)
				}
				got[i] = out
			}
			if got[0] != got[1] {
				t.Error("two runs of the same script differ")
			}
			if strings.Contains(got[0], "\x1b") {
				t.Error("scripted output contains an escape code")
			}
			golden := strings.TrimSuffix(path, ".script") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got[0]), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got[0] != string(want) {
				t.Errorf("output differs from %s; if intended, run with -update and review the diff\n%s", golden, firstLineDiff(got[0], string(want)))
			}
		})
	}
}

func firstLineDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + g[i] + "\nwant: " + w[i]
		}
	}
	return "lengths differ"
}

func TestStepUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"step"}, "step takes one scenario"},
		{[]string{"step", "master-crash", "--script", "next", "--script-file", "x"}, "use one"},
		{[]string{"step", "master-crash", "--at", "soon", "--script", "where"}, "--at"},
		{[]string{"step", "master-crash", "--script", "next; frobnicate"}, `command 2 (frobnicate): unknown command "frobnicate"`},
		{[]string{"step", "no-such-scenario", "--script", "next"}, "neither a scenario file nor a built-in"},
	} {
		code, _, stderr := runCLI(t, c.args...)
		if code != exitBadInput || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}

// TestStepPipedCommands: with no script and no terminal, the commands
// come from stdin (runLines) and the output is the scripted mode's.
func TestStepPipedCommands(t *testing.T) {
	sc, err := loadScenario("master-crash")
	if err != nil {
		t.Fatal(err)
	}
	s, err := stepper.New(sc, sc.Seed, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := runLines(s, strings.NewReader("next 2\nwhere # comment\n"), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "> where\nat event #2 ") {
		t.Errorf("piped commands:\n%s", out.String())
	}
}

// TestStepTmux drives the real screen in a terminal through tmux
// send-keys and reads it back with capture-pane. Skipped where tmux is
// missing.
func TestStepTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux not installed")
	}
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "vrrpsim")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	sock := filepath.Join(dir, "tmux.sock")
	tmux := func(args ...string) string {
		out, err := exec.Command("tmux", append([]string{"-S", sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	tmux("new-session", "-d", "-x", "140", "-y", "40", bin+" step master-crash")
	defer exec.Command("tmux", "-S", sock, "kill-server").Run()
	waitFor := func(want string) string {
		var screen string
		for i := 0; i < 100; i++ {
			screen = tmux("capture-pane", "-p")
			if strings.Contains(screen, want) {
				return screen
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("screen never showed %q:\n%s", want, screen)
		return ""
	}
	waitFor("vrrpsim step master-crash")
	tmux("send-keys", "n")
	waitFor("at event #1 ")
	tmux("send-keys", ":", "until r2 master", "Enter")
	waitFor("stopped: r2 master")
	tmux("send-keys", "b")
	waitFor("at event #1024 ")
	tmux("send-keys", "v")
	screen := waitFor("r2 VRRP Instance = VI_1")
	if !strings.Contains(screen, "State = BACKUP") {
		t.Errorf("one event before the takeover r2 is not BACKUP:\n%s", screen)
	}
	tmux("send-keys", "q")
}

// TestTeachingDocOutputs re-runs every `$ vrrpsim step ...` block of
// docs/teaching.md and checks the captured output is still what the
// program prints.
func TestTeachingDocOutputs(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "teaching.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := 0
	for _, block := range strings.Split(string(doc), "```\n")[1:] {
		cmd, want, ok := strings.Cut(block, "\n")
		if !ok || !strings.HasPrefix(cmd, "$ vrrpsim step ") {
			continue
		}
		blocks++
		args := shellWords(strings.TrimPrefix(cmd, "$ vrrpsim "))
		code, out, stderr := runCLI(t, args...)
		if code != exitOK {
			t.Errorf("%s: exit %d: %s", cmd, code, stderr)
			continue
		}
		if out != want {
			t.Errorf("%s: output differs from docs/teaching.md (regenerate the block)\n%s", cmd, firstLineDiff(out, want))
		}
	}
	if blocks < 5 {
		t.Errorf("found %d step blocks in docs/teaching.md, want the lab's 8", blocks)
	}
}

// shellWords splits a command line on spaces, keeping 'single-quoted'
// words whole (all the docs use).
func shellWords(s string) []string {
	var out []string
	var w strings.Builder
	quoted, in := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			quoted, in = !quoted, true
		case r == ' ' && !quoted:
			if in {
				out = append(out, w.String())
				w.Reset()
				in = false
			}
		default:
			w.WriteRune(r)
			in = true
		}
	}
	if in {
		out = append(out, w.String())
	}
	return out
}
