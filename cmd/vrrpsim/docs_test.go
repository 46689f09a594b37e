package main

// Issue 13 item 22: every vrrpsim command shown in README.md and docs/
// still runs, and the container files agree with the module.

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docCommand is one vrrpsim command line from a fenced code block.
type docCommand struct {
	where string   // FILE:LINE
	args  []string // after "vrrpsim"
	error bool     // the doc shows it failing (next lines print "vrrpsim: ...")
}

// docCommands extracts the runnable commands: lines of fenced blocks that
// start with "vrrpsim " or "$ vrrpsim ", continued by a trailing "\",
// cut at a shell operator (|, &&, >, #). Usage synopses (placeholders in
// capitals, [optional] parts, "...") and lines that need a shell (globs,
// $VARS) or files that are not in the repository are left out.
func docCommands(t *testing.T, root string) []docCommand {
	files, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	files = append([]string{filepath.Join(root, "README.md")}, files...)
	placeholder := regexp.MustCompile(`(^|[\s=])[A-Z][A-Z_|.]+([\s,]|$)|\[|\.\.\.|[*$<]`)
	var out []docCommand
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		fenced := false
		for i := 0; i < len(lines); i++ {
			l := strings.TrimSpace(lines[i])
			if strings.HasPrefix(l, "```") {
				fenced = !fenced
				continue
			}
			l = strings.TrimPrefix(l, "$ ")
			if !fenced || !strings.HasPrefix(l, "vrrpsim ") {
				continue
			}
			start := i
			for strings.HasSuffix(l, "\\") && i+1 < len(lines) {
				i++
				l = strings.TrimSpace(strings.TrimSuffix(l, "\\")) + " " + strings.TrimSpace(lines[i])
			}
			for _, op := range []string{"  ", " | ", " && ", " > ", " #", " 2>"} {
				if k := strings.Index(l, op); k >= 0 {
					l = l[:k]
				}
			}
			if placeholder.MatchString(l) {
				continue
			}
			args := shellWords(strings.TrimPrefix(l, "vrrpsim ")) // step_test.go
			if len(args) == 0 || !filesExist(root, args) {
				continue
			}
			shown := strings.Join(lines[i+1:min(i+4, len(lines))], "\n")
			out = append(out, docCommand{where: filepath.Base(f) + ":" + itoaN(start+1), args: args, error: strings.Contains(shown, "vrrpsim: ")})
		}
	}
	return out
}

func itoaN(n int) string {
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

// filesExist: every argument that names a .yaml file exists in the repo.
func filesExist(root string, args []string) bool {
	for _, a := range args {
		if strings.HasSuffix(a, ".yaml") && !strings.Contains(a, "=") {
			if _, err := os.Stat(filepath.Join(root, a)); err != nil {
				if _, err := os.Stat(a); err != nil {
					return false
				}
			}
		}
	}
	return true
}

func TestDocCommandsRun(t *testing.T) {
	root, _ := filepath.Abs("../..")
	cmds := docCommands(t, root)
	if len(cmds) < 20 {
		t.Fatalf("found %d commands in README.md and docs/, want the 20+ they show", len(cmds))
	}
	// Run from a scratch directory that sees the repository's files, so
	// outputs (--out plots/, -o net.svg) land there.
	dir := t.TempDir()
	for _, e := range []string{"scenarios", "docs", "README.md", "deploy"} {
		os.Symlink(filepath.Join(root, e), filepath.Join(dir, e))
	}
	t.Chdir(dir)
	for _, c := range cmds {
		if testing.Short() && (c.args[0] == "sweep" || c.args[0] == "merge") {
			continue
		}
		args := c.args
		if args[0] == "sweep" {
			args = append(args, "--workers", "2")
		}
		code := run(args, io.Discard, io.Discard)
		switch {
		case c.error && code != exitBadInput:
			t.Errorf("%s: vrrpsim %s: exit %d; the doc shows it failing", c.where, strings.Join(c.args, " "), code)
		case !c.error && code == exitBadInput:
			var errb strings.Builder
			run(c.args, io.Discard, &errb)
			t.Errorf("%s: vrrpsim %s: exit 2: %s", c.where, strings.Join(c.args, " "), firstLine(errb.String()))
		}
	}
}

func firstLine(s string) string {
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Scan()
	return sc.Text()
}

// TestDockerfileMatchesModule: the image builds a static binary with the
// module's Go version and runs it without a shell, and the Kubernetes Job
// does not need one.
func TestDockerfileMatchesModule(t *testing.T) {
	df := string(readFile(t, "../../Dockerfile"))
	mod := string(readFile(t, "../../go.mod"))
	goVer := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(mod)
	if goVer == nil || !strings.Contains(df, "FROM golang:"+goVer[1]+" ") {
		t.Errorf("Dockerfile does not build with go.mod's Go %v", goVer)
	}
	for _, want := range []string{"CGO_ENABLED=0", "distroless/static", `ENTRYPOINT ["/vrrpsim"]`} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	job := string(readFile(t, "../../deploy/k8s/sweep-job.yaml"))
	if strings.Contains(job, "/bin/sh") || strings.Contains(job, "${") {
		t.Errorf("deploy/k8s/sweep-job.yaml needs a shell; the distroless image has none")
	}
	mk := string(readFile(t, "../../Makefile"))
	if !strings.Contains(mk, "CGO_ENABLED=0 $(GO) build") {
		t.Errorf("make build does not build a static binary")
	}
}
