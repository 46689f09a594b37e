package main

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// builtinDir is the built-in scenario library, relative to this package.
var builtinDir = filepath.Join("..", "..", "scenarios", "builtin")

// masterCrashSource returns scenarios/builtin/master-crash.yaml.
func masterCrashSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(builtinDir, "master-crash.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// edited returns src with from replaced by to once, failing the test if
// from is not there (the built-in changed under the test).
func edited(t *testing.T, src, from, to string) string {
	t.Helper()
	out := strings.Replace(src, from, to, 1)
	if out == src {
		t.Fatalf("test setup: %q not found in master-crash.yaml", from)
	}
	return out
}

// lineOf returns the 1-based line of the first line containing s.
func lineOf(t *testing.T, src, s string) int {
	t.Helper()
	for i, l := range strings.Split(src, "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	t.Fatalf("test setup: %q not found", s)
	return 0
}

func writeFile(t *testing.T, path, src string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// The expectation after the crash, made false: r1 is dead, so "VI_1 master
// is r1" 3.7 s after the crash cannot hold.
const brokenFrom, brokenTo = "master: {VI_1: r2}", "master: {VI_1: r1}"

// invalidFrom/To put a priority out of range (RFC 3768 section 5.3.4:
// 1-254 for a backup-capable router, 255 only for the address owner).
const invalidFrom, invalidTo = "priority: 150", "priority: 300"

func TestCheckBrokenExpectationExitsOneWithFileAndLine(t *testing.T) {
	src := masterCrashSource(t)
	broken := edited(t, src, brokenFrom, brokenTo)
	path := writeFile(t, filepath.Join(t.TempDir(), "broken.yaml"), broken)
	line := lineOf(t, broken, "after: crash r1")

	code, out, _ := runCLI(t, "check", path)
	if code != exitFailed {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	// "- after: ..." sits at column 3; the expectation's mapping at column 5.
	want := fmt.Sprintf("%s:%d:5: master-crash: within 3.7s after crash r1: VI_1 master is r1: ", path, line)
	if !strings.Contains(out, want) {
		t.Errorf("output lacks the failure line %q:\n%s", want, out)
	}
	if !strings.Contains(out, "check: 1 scenario, 2 expectations: 1 passed, 1 failed\n") {
		t.Errorf("output lacks the summary:\n%s", out)
	}
	if !strings.Contains(out, "FAIL  "+path) {
		t.Errorf("output lacks the FAIL status line:\n%s", out)
	}
}

func TestCheckInvalidScenarioExitsTwoWithPosition(t *testing.T) {
	dir := t.TempDir()
	src := masterCrashSource(t)
	invalid := edited(t, src, invalidFrom, invalidTo)
	bad := writeFile(t, filepath.Join(dir, "invalid.yaml"), invalid)
	broken := writeFile(t, filepath.Join(dir, "broken.yaml"), edited(t, src, brokenFrom, brokenTo))
	line := lineOf(t, invalid, invalidTo)
	col := strings.Index(strings.Split(invalid, "\n")[line-1], "300") + 1

	// An invalid scenario wins over a failed expectation: exit 2.
	code, out, stderr := runCLI(t, "check", broken, bad)
	if code != exitBadInput {
		t.Fatalf("exit %d, want 2\n%s%s", code, out, stderr)
	}
	want := fmt.Sprintf("%s:%d:%d: ", bad, line, col)
	if !strings.Contains(out, want) || !strings.Contains(out, "priority") {
		t.Errorf("output lacks %q about the priority:\n%s", want, out)
	}
	if !strings.Contains(out, "ERROR "+bad) {
		t.Errorf("output lacks the ERROR status line:\n%s", out)
	}
	// The valid file was still checked.
	if !strings.Contains(out, "check: 2 scenarios (1 invalid), 2 expectations: 1 passed, 1 failed\n") {
		t.Errorf("summary wrong:\n%s", out)
	}
	if !strings.Contains(stderr, "1 invalid scenario") {
		t.Errorf("stderr %q, want the invalid count", stderr)
	}
}

func TestCheckUsageAndMissingFiles(t *testing.T) {
	empty := t.TempDir()
	missing := filepath.Join(empty, "nope.yaml")
	cases := []struct {
		name string
		args []string
		want string // in stdout+stderr
	}{
		{"no argument", []string{"check"}, "at least one scenario"},
		{"missing file", []string{"check", missing}, missing + ": no such file or directory"},
		{"directory without scenarios", []string{"check", empty}, "no *.yaml or *.yml scenario files under " + empty},
		{"negative workers", []string{"check", "--workers", "-1", builtinDir}, "--workers -1"},
		{"quiet and verbose", []string{"check", "-q", "-v", builtinDir}, "contradict"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, stderr := runCLI(t, c.args...)
			if code != exitBadInput {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(out+stderr, c.want) {
				t.Errorf("output lacks %q:\n%s%s", c.want, out, stderr)
			}
		})
	}
}

func TestCheckQuietAndVerbose(t *testing.T) {
	path := writeFile(t, filepath.Join(t.TempDir(), "broken.yaml"), edited(t, masterCrashSource(t), brokenFrom, brokenTo))
	_, quiet, _ := runCLI(t, "check", "-q", path)
	_, normal, _ := runCLI(t, "check", path)
	_, verbose, _ := runCLI(t, "check", "-v", path)
	lines := func(s string) int { return strings.Count(s, "\n") }
	// quiet: the failure and the summary; normal: + status; verbose: + the pass.
	if got := lines(quiet); got != 2 {
		t.Errorf("-q: got %d lines, want 2:\n%s", got, quiet)
	}
	if got := lines(normal); got != 3 {
		t.Errorf("default: got %d lines, want 3:\n%s", got, normal)
	}
	if got := lines(verbose); got != 4 || !strings.Contains(verbose, "    ok  "+path+":") {
		t.Errorf("-v: got %d lines, want 4 with an indented ok line:\n%s", got, verbose)
	}
}

// checkTree writes a directory of scenarios: the built-ins' master-crash
// in a few seeds, one broken and one invalid, in nested directories.
func checkTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := masterCrashSource(t)
	for i := range 4 {
		writeFile(t, filepath.Join(dir, fmt.Sprintf("a%d.yaml", i)), edited(t, src, "seed: 1\n", fmt.Sprintf("seed: %d\n", i+10)))
	}
	writeFile(t, filepath.Join(dir, "sub", "broken.yml"), edited(t, src, brokenFrom, brokenTo))
	writeFile(t, filepath.Join(dir, "sub", "invalid.yaml"), edited(t, src, invalidFrom, invalidTo))
	writeFile(t, filepath.Join(dir, "sub", "notes.txt"), "not a scenario")
	return dir
}

func TestCheckOutputSameAtAnyWorkerCount(t *testing.T) {
	dir := checkTree(t)
	var first, firstXML string
	for _, w := range []string{"1", "2", "5"} {
		junit := filepath.Join(t.TempDir(), "junit.xml")
		code, out, _ := runCLI(t, "check", "-v", "--workers", w, "--junit", junit, dir)
		if code != exitBadInput {
			t.Fatalf("--workers %s: exit %d, want 2\n%s", w, code, out)
		}
		x, err := os.ReadFile(junit)
		if err != nil {
			t.Fatal(err)
		}
		if first == "" {
			first, firstXML = out, string(x)
			continue
		}
		if out != first {
			t.Errorf("--workers %s: output differs from --workers 1:\n%s\nvs\n%s", w, out, first)
		}
		if string(x) != firstXML {
			t.Errorf("--workers %s: JUnit XML differs from --workers 1", w)
		}
	}
	// Lexical order, recursive: a0..a3, then sub/broken.yml, sub/invalid.yaml.
	var order []string
	for _, l := range strings.Split(first, "\n") {
		if f := strings.Fields(l); len(f) > 1 && !strings.HasPrefix(l, " ") && (f[0] == "ok" || f[0] == "FAIL" || f[0] == "ERROR") {
			order = append(order, filepath.Base(strings.TrimSuffix(f[1], ":")))
		}
	}
	want := []string{"a0.yaml", "a1.yaml", "a2.yaml", "a3.yaml", "broken.yml", "invalid.yaml"}
	if strings.Join(order, " ") != strings.Join(want, " ") {
		t.Errorf("scenario order %v, want %v", order, want)
	}
}

func TestCheckJUnitParsesWithCounts(t *testing.T) {
	dir := checkTree(t)
	junit := filepath.Join(t.TempDir(), "out", "..", "junit.xml")
	runCLI(t, "check", "--junit", junit, dir)
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("JUnit XML does not parse: %v\n%s", err, data)
	}
	// 5 loadable scenarios x 2 expectations + 1 load error.
	if doc.Tests != 11 || doc.Failures != 1 || doc.Errors != 1 || len(doc.Suites) != 6 {
		t.Errorf("got tests=%d failures=%d errors=%d suites=%d, want 11, 1, 1, 6",
			doc.Tests, doc.Failures, doc.Errors, len(doc.Suites))
	}
	sums := 0
	for _, s := range doc.Suites {
		sums += s.Tests
		if len(s.Cases) != s.Tests {
			t.Errorf("suite %s: tests=%d but %d testcases", s.Name, s.Tests, len(s.Cases))
		}
		switch filepath.Base(s.Name) {
		case "broken.yml":
			c := s.Cases[1]
			if s.Failures != 1 || c.Failure == nil || !strings.Contains(c.Failure.Message, "want r1") || c.Line == 0 {
				t.Errorf("broken.yml: failures=%d case %+v, want one failure of line > 0 saying want r1", s.Failures, c)
			}
		case "invalid.yaml":
			if s.Errors != 1 || s.Cases[0].Error == nil || !strings.Contains(s.Cases[0].Error.Message, "invalid.yaml:") {
				t.Errorf("invalid.yaml: errors=%d case %+v, want one error with file:line:col", s.Errors, s.Cases[0])
			}
		default:
			if s.Failures+s.Errors != 0 {
				t.Errorf("%s: %d failures %d errors, want none", s.Name, s.Failures, s.Errors)
			}
		}
	}
	if sums != doc.Tests {
		t.Errorf("suites hold %d tests, testsuites says %d", sums, doc.Tests)
	}
	if entries, _ := filepath.Glob(filepath.Join(filepath.Dir(junit), ".junit.xml.tmp-*")); len(entries) > 0 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestCheckJUnitUnwritableExitsTwo(t *testing.T) {
	junit := filepath.Join(t.TempDir(), "no", "such", "dir", "junit.xml")
	code, _, stderr := runCLI(t, "check", "--junit", junit, filepath.Join(builtinDir, "master-crash.yaml"))
	if code != exitBadInput || !strings.Contains(stderr, "--junit") {
		t.Errorf("exit %d stderr %q, want 2 naming --junit", code, stderr)
	}
}

// Every built-in scenario's expectations must hold: they are the examples
// users copy, and CI runs them.
func TestCheckBuiltinScenariosHold(t *testing.T) {
	code, out, stderr := runCLI(t, "check", builtinDir)
	if code != exitOK {
		t.Fatalf("vrrpsim check scenarios/builtin: exit %d, want 0\n%s%s", code, out, stderr)
	}
	if !strings.Contains(out, " 0 failed\n") {
		t.Errorf("summary:\n%s", out)
	}
}

func TestCheckSeedOverridesEveryScenario(t *testing.T) {
	// Two copies of master-crash (seed 1 in the file): built-ins whose
	// timing is random (Linux's reachable time) hold only for their seed.
	dir := t.TempDir()
	src := masterCrashSource(t)
	writeFile(t, filepath.Join(dir, "a.yaml"), src)
	writeFile(t, filepath.Join(dir, "b.yaml"), src)
	code, out, _ := runCLI(t, "check", "--seed", "99", dir)
	ok, seeded := 0, 0
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "ok ") {
			ok++
			if strings.Contains(l, ", seed 99)") {
				seeded++
			}
		}
	}
	if code != exitOK || ok != 2 || seeded != ok {
		t.Errorf("exit %d, %d of %d scenarios with seed 99; want 0 and all:\n%s", code, seeded, ok, out)
	}
}
