package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/scenarios"
)

const checkUsage = `usage: vrrpsim check FILE|DIR... [flags]

Runs every scenario file given, and every *.yaml / *.yml file under each
DIR (recursively, in lexical order), and prints one line per expectation
that failed, "FILE:LINE:COL: SCENARIO: EXPECTATION: DETAIL", one line per
problem of a scenario that could not be loaded or built, and a summary.
Output is in input order whatever the number of workers.

Exit status: 0 every expectation held; 1 an expectation failed; 2 a
scenario is invalid or the usage is wrong (2 wins over 1: a scenario that
does not load is a broken check, not a failed one).

flags:
`

func cmdCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("check", stdout, checkUsage)
	junit := fs.String("junit", "", "also write a JUnit XML report to this file (for CI test reports)")
	workers := fs.Int("workers", 0, "scenarios run in parallel (default: number of CPUs)")
	seed := fs.Uint64("seed", 0, "random seed for every scenario (overrides each scenario's seed)")
	quiet := fs.BoolP("quiet", "q", false, "print only failures, invalid scenarios and the summary")
	verbose := fs.BoolP("verbose", "v", false, "print passing expectations too")
	limits := addLimitFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	lim, err := limitsFrom(*limits)
	if err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("check: want at least one scenario file or directory")
	}
	if err := checkWorkers(*workers); err != nil {
		return err
	}
	if *quiet && *verbose {
		return usagef("check: -q and -v contradict each other; pick one")
	}
	jobs, err := collectScenarios(fs.Args())
	if err != nil {
		return err
	}
	for i := range jobs {
		jobs[i].lim = lim
	}
	ctx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
	opts := simOptions{budget: runBudget{events: lim.Events, stop: ctx.Done()}}
	if fs.Changed("seed") {
		opts.seed, opts.seedSet = *seed, true
	}
	results := make([]checkResult, len(jobs))
	eachParallel(len(jobs), *workers, func(i int) { results[i] = checkOne(jobs[i], opts) })

	sum := printCheck(reports.NewTerminalWriter(stdout), results, *quiet, *verbose)
	if *junit != "" {
		if err := reports.WriteFileAtomic(*junit, func(w io.Writer) error { return writeJUnit(w, results) }); err != nil {
			return usagef("--junit: %v", err)
		}
	}
	switch {
	case sum.invalid > 0:
		return inputError{fmt.Errorf("check: %d invalid scenario(s)", sum.invalid)}
	case sum.failed > 0:
		return &failedError{sum.failed}
	}
	return nil
}

// checkJob is one scenario file to check: a path as the user wrote it (or
// as found under a directory the user gave).
type checkJob struct {
	path string
	// err is set when the path itself is unusable (does not exist).
	err     error
	lim     scenarios.Limits // --limit
	builtin bool             // path is a built-in scenario's name
}

// collectScenarios expands args into scenario files, in argument order,
// each directory's files in lexical order (filepath.WalkDir), a file named
// twice checked once.
func collectScenarios(args []string) ([]checkJob, error) {
	var jobs []checkJob
	seen := map[string]bool{}
	addFile := func(p string) {
		if c := filepath.Clean(p); !seen[c] {
			seen[c] = true
			jobs = append(jobs, checkJob{path: p})
		}
	}
	for _, arg := range args {
		if !isFileArg(arg) && slices.Contains(scenarios.BuiltinNames(), arg) {
			if !seen["builtin:"+arg] {
				seen["builtin:"+arg] = true
				jobs = append(jobs, checkJob{path: arg, builtin: true})
			}
			continue
		}
		st, err := os.Stat(arg)
		if err != nil {
			if !isFileArg(arg) {
				err = notScenario(arg)
			}
			// Reported like a scenario that does not load: the other
			// files are still checked, and the exit status is 2.
			jobs = append(jobs, checkJob{path: arg, err: err})
			continue
		}
		if !st.IsDir() {
			addFile(arg)
			continue
		}
		n := len(jobs)
		root, rerr := filepath.EvalSymlinks(arg)
		if rerr != nil {
			return nil, usagef("check: %v", rerr)
		}
		err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !isScenarioPath(p) {
				return nil
			}
			// A link found in the tree must stay in the tree: check DIR
			// must not read (and echo) files elsewhere (issue 13).
			if d.Type()&fs.ModeSymlink != 0 {
				if !insideTree(root, p) {
					if c := filepath.Clean(p); !seen[c] {
						seen[c] = true
						jobs = append(jobs, checkJob{path: p, err: fmt.Errorf("a symlink that leads outside %s; skipped; valid: scenario files inside the directory", arg)})
					}
					return nil
				}
			}
			addFile(p)
			return nil
		})
		if err != nil {
			return nil, usagef("check: %v", err)
		}
		if len(jobs) == n {
			return nil, usagef("check: no *.yaml or *.yml scenario files under %s", arg)
		}
	}
	return jobs, nil
}

// insideTree reports whether the symlink p resolves to a file under root
// (root itself resolved).
func insideTree(root, p string) bool {
	target, err := filepath.EvalSymlinks(p)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(root, target)
	return err == nil && filepath.IsLocal(rel)
}

func isScenarioPath(p string) bool {
	ext := strings.ToLower(filepath.Ext(p))
	return ext == ".yaml" || ext == ".yml"
}

// checkResult is the outcome of one scenario file.
type checkResult struct {
	path     string
	scenario string   // the scenario's name; "" if it did not load
	seed     uint64   // the seed it ran with
	errs     []string // load/build problems, one line each ("FILE:LINE:COL: ...")
	exps     []reports.ExpectResult
}

func (r *checkResult) failed() int {
	n := 0
	for _, x := range r.exps {
		if !x.OK {
			n++
		}
	}
	return n
}

// checkOne loads and runs one scenario. It never panics: a panic inside the
// simulation (a bug of ours, not of the scenario) is reported as a problem
// of that scenario so the others are still checked.
func checkOne(job checkJob, opts simOptions) (res checkResult) {
	res.path = job.path
	defer func() {
		if r := recover(); r != nil {
			res.errs = append(res.errs, fmt.Sprintf("%s: internal error (please report): panic: %v", job.path, r))
		}
	}()
	if job.err != nil {
		res.errs = errorLines(job.path, job.err)
		return res
	}
	var sc *scenarios.Scenario
	var err error
	if job.builtin {
		sc, err = scenarios.Builtin(job.path)
	} else {
		sc, err = scenarios.LoadFileWithLimits(job.path, job.lim)
	}
	if err != nil {
		res.errs = errorLines(job.path, err)
		if !looksLikeScenario(job.path) {
			// A file that is no scenario at all (a stray .yaml, a
			// secret): name it, never quote its content.
			res.errs = []string{job.path + ": not a vrrpsim scenario (no top-level name:, nodes: or segments: key); valid: a scenario file, or move it out of the tree"}
		}
		return res
	}
	res.scenario = sc.Name
	res.seed = sc.Seed
	if opts.seedSet {
		res.seed = opts.seed
	}
	opts.aggregate = true // expectations only: no per-packet account (memory flat in simulated time)
	sr, err := simulate(sc, opts)
	if err != nil {
		res.errs = errorLines(job.path, err)
		return res
	}
	res.exps = sr.report.Expectations
	return res
}

// errorLines splits err into lines, each starting with a position: loader
// and builder errors already say "FILE:LINE:COL: ..."; an OS error gets
// the path in front.
func errorLines(path string, err error) []string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return []string{fmt.Sprintf("%s: %v", path, pe.Err)}
	}
	var es scenarios.Errors
	if errors.As(err, &es) {
		// Every problem of the file, one per line (`run` prints only the
		// first; a CI log is read once, so it should hold them all).
		out := make([]string, len(es))
		for i, e := range es {
			out[i] = e.Error()
		}
		return out
	}
	var out []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if l == "" {
			continue
		}
		if !strings.HasPrefix(l, path+":") {
			l = path + ": " + l
		}
		out = append(out, l)
	}
	return out
}

// checkSummary counts a check's results.
type checkSummary struct {
	scenarios, invalid, expectations, passed, failed int
}

func summarizeCheck(results []checkResult) checkSummary {
	var s checkSummary
	s.scenarios = len(results)
	for i := range results {
		r := &results[i]
		if len(r.errs) > 0 {
			s.invalid++
		}
		f := r.failed()
		s.expectations += len(r.exps)
		s.failed += f
		s.passed += len(r.exps) - f
	}
	return s
}

// printCheck writes the CI log: per scenario, its failed expectations (and
// with verbose its passing ones, indented so that "FILE:LINE:COL:" problem
// matchers do not take them for errors), its problems, a status line
// (unless quiet); then the summary.
func printCheck(w io.Writer, results []checkResult, quiet, verbose bool) checkSummary {
	for i := range results {
		r := &results[i]
		for _, l := range r.errs {
			fmt.Fprintln(w, l)
		}
		for _, x := range r.exps {
			switch {
			case !x.OK:
				fmt.Fprintf(w, "%s: %s: %s: %s\n", expPos(r.path, x), r.scenario, x.Text, x.Detail)
			case verbose:
				fmt.Fprintf(w, "    ok  %s: %s: %s\n", expPos(r.path, x), x.Text, x.Detail)
			}
		}
		if quiet {
			continue
		}
		switch f := r.failed(); {
		case len(r.errs) > 0:
			fmt.Fprintf(w, "ERROR %s: invalid scenario, not run\n", r.path)
		case f > 0:
			fmt.Fprintf(w, "FAIL  %s (%s, seed %d): %d of %d expectations failed\n", r.path, r.scenario, r.seed, f, len(r.exps))
		default:
			fmt.Fprintf(w, "ok    %s (%s, seed %d): %s\n", r.path, r.scenario, r.seed, countNoun(len(r.exps), "expectation"))
		}
	}
	s := summarizeCheck(results)
	inv := ""
	if s.invalid > 0 {
		inv = fmt.Sprintf(" (%d invalid)", s.invalid)
	}
	fmt.Fprintf(w, "check: %s%s, %s: %d passed, %d failed\n",
		countNoun(s.scenarios, "scenario"), inv, countNoun(s.expectations, "expectation"), s.passed, s.failed)
	return s
}

// expPos is where an expectation was written; the file is the path the
// scenario was loaded from, which is the path the user gave.
func expPos(path string, x reports.ExpectResult) string {
	f := x.File
	if f == "" {
		f = path
	}
	if x.Col > 0 {
		return fmt.Sprintf("%s:%d:%d", f, x.Line, x.Col)
	}
	return fmt.Sprintf("%s:%d", f, x.Line)
}

func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// eachParallel calls do(0..n-1) on up to workers goroutines (0: one per CPU).
// Each call must write only its own slot of a result slice: results are
// then read in index order, so the output does not depend on which run
// finished first. Each simulation is single-threaded and independent
// (DESIGN.md: goroutines only run many simulations at once).
func eachParallel(n, workers int, do func(i int)) {
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	workers = min(workers, n)
	// The GC ballast of a sweep (ballastFor): `run --runs N` and many
	// checks are as many short runs.
	ballast := make([]byte, ballastFor(n, workers))
	defer runtime.KeepAlive(ballast)
	if workers <= 1 {
		for i := range n {
			do(i)
		}
		return
	}
	next := make(chan int)
	done := make(chan struct{})
	for range workers {
		go func() {
			for i := range next {
				do(i)
			}
			done <- struct{}{}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	for range workers {
		<-done
	}
}

// looksLikeScenario reports whether the file at path has a top-level
// name:, nodes: or segments: key (a quick look at its first 64 KiB).
func looksLikeScenario(path string) bool {
	data, err := scenarios.ReadFile(path, 0)
	if err != nil {
		return true // the read error is the message: keep it
	}
	data = data[:min(len(data), 64<<10)]
	// Without its NULs a UTF-16/32 scenario without a BOM reads as one,
	// so it gets the loader's own message (save it as UTF-8).
	text := strings.ReplaceAll(string(data), "\x00", "")
	for _, line := range strings.Split(strings.TrimPrefix(text, "\ufeff"), "\n") {
		for _, k := range []string{"name:", "nodes:", "segments:"} {
			if strings.HasPrefix(line, k) {
				return true
			}
		}
	}
	return false
}
