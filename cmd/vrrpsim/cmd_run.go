package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/scenarios"
)

// errHelp is returned after printing a command's help (exit 0).
var errHelp = errors.New("help shown")

// defaultScenario is what `vrrpsim run` runs with no argument.
const defaultScenario = "master-crash"

// newFlags returns a flag set that reports errors instead of exiting.
// With ContinueOnError pflag prints nothing on a bad flag (parseFlags
// turns the error into one line); it prints the usage only when asked
// with -h/--help, and that goes to stdout so `vrrpsim run --help | less`
// works.
func newFlags(name string, stdout io.Writer, usage string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Usage = func() {
		fmt.Fprint(stdout, usage)
		fs.PrintDefaults()
	}
	fs.SortFlags = false
	return fs
}

// parseFlags parses args and maps pflag's errors to ours.
func parseFlags(fs *pflag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return errHelp
		}
		hint := ""
		if name, ok := strings.CutPrefix(err.Error(), "unknown flag: --"); ok {
			var names []string
			fs.VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
			if s := scenarios.Suggest(name, names); s != "" {
				hint = s
			}
		}
		msg := err.Error()
		// pflag's key=value flags (--limit) end with Go's strconv text.
		if i := strings.Index(msg, "strconv.Atoi: parsing "); i >= 0 {
			msg = msg[:i] + "want NAME=N with N a whole number"
		}
		return usagef("%s: %s%s; see 'vrrpsim %s --help'", fs.Name(), msg, hint, fs.Name())
	}
	return nil
}

// loadScenario loads arg as a file (if it exists or looks like a path) or
// a built-in name.
func loadScenario(arg string) (*scenarios.Scenario, error) {
	return loadScenarioWithin(arg, scenarios.DefaultLimits())
}

// loadScenarioWithin is loadScenario within the --limit bounds.
func loadScenarioWithin(arg string, lim scenarios.Limits) (*scenarios.Scenario, error) {
	if arg == "" {
		arg = defaultScenario
	}
	if isFileArg(arg) {
		sc, err := scenarios.LoadFileWithLimits(arg, lim)
		if err != nil {
			return nil, inputError{err}
		}
		return sc, nil
	}
	sc, err := scenarios.Builtin(arg)
	if err != nil {
		return nil, notScenario(arg)
	}
	return sc, nil
}

// isFileArg tells a scenario file from a built-in name. A built-in name
// wins over a file or directory of that name in the current directory
// (which would otherwise hide it); write ./NAME for the file.
func isFileArg(arg string) bool {
	if strings.ContainsAny(arg, "/\\") || strings.HasSuffix(arg, ".yaml") || strings.HasSuffix(arg, ".yml") {
		return true
	}
	if slices.Contains(scenarios.BuiltinNames(), arg) {
		return false
	}
	_, err := os.Stat(arg)
	return err == nil
}

// notScenario is the error for an argument that is neither.
func notScenario(arg string) error {
	return usagef("%q is neither a scenario file nor a built-in scenario%s; built-ins: %s (vrrpsim list)", arg, scenarios.Suggest(arg, scenarios.BuiltinNames()), strings.Join(scenarios.BuiltinNames(), ", "))
}

// inputError wraps a scenario error (exit 2). It prints on one line: the
// first error (the others often follow from it) and how many more there are.
type inputError struct{ err error }

func (e inputError) Error() string {
	var es scenarios.Errors
	if errors.As(e.err, &es) && len(es) > 1 {
		return fmt.Sprintf("%s (+%d more; fix this one first)", es[0].Error(), len(es)-1)
	}
	return e.err.Error()
}
func (e inputError) Unwrap() error { return e.err }

const runUsage = `usage: vrrpsim run [SCENARIO] [flags]

Runs SCENARIO (a .yaml file or a built-in name; default master-crash) in
virtual time and prints a summary. Exit status 1 if an expectation failed.

flags:
`

func cmdRun(args []string, stdout, stderr io.Writer) error {
	// --profile cpu|mem FILE wraps the whole command (profile.go).
	return profiled(args, func(args []string) error { return cmdRunProfiled(args, stdout, stderr) })
}

func cmdRunProfiled(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run", stdout, runUsage)
	seed := fs.Uint64("seed", 0, "random seed (overrides the scenario's seed)")
	until := fs.String("until", "", "stop the run at this virtual time (e.g. 20s) instead of the scenario's duration")
	asJSON := fs.Bool("json", false, "print the report as JSON on stdout")
	pcap := fs.String("pcap", "", "write every frame of the run to this pcap file")
	trace := fs.Bool("trace", false, "print one line per frame (tcpdump -n style) and per state change")
	quiet := fs.BoolP("quiet", "q", false, "print nothing but errors; the exit status tells the result")
	runs := fs.Int("runs", 1, "run N times with seeds seed..seed+N-1 and report each metric as min/median/p95/max")
	workers := fs.Int("workers", 0, "with --runs: parallel runs (default: number of CPUs)")
	plots := fs.String("plots", "", "write the run's plots (state timeline, ARP/FDB, traffic) into this directory")
	html := fs.String("html", "", "write a self-contained HTML report of the run to this file")
	pcapng := fs.String("pcapng", "", "write the run as pcapng: one interface per node interface (node:iface), state changes and actions as packet comments")
	pcapSegment := fs.String("pcap-segment", "", "keep only this segment's frames in --pcap/--pcapng")
	traceFilter := fs.String("trace-filter", "", "keep only what matches in --trace/--pcap/--pcapng, e.g. 'vrrp and node r1' (docs/diagrams.md)")
	limits := addLimitFlag(fs)
	addProfileFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usagef("run takes one scenario, got %d: %s", fs.NArg(), strings.Join(fs.Args(), " "))
	}
	lim, err := limitsFrom(*limits)
	if err != nil {
		return err
	}
	sc, err := loadScenarioWithin(fs.Arg(0), lim)
	if err != nil {
		return err
	}
	if !*quiet {
		// FILE:LINE:COL: warning: ..., as compilers print them.
		for _, w := range sc.Warnings {
			fmt.Fprintln(stderr, w)
		}
	}
	opts, err := runFlags(fs, *seed, *until)
	if err != nil {
		return err
	}
	// Ctrl-C stops the run between events (exit 130), removing what it
	// was writing.
	ctx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
	opts.budget = runBudget{events: lim.Events, stop: ctx.Done()}
	if *runs < 1 || *runs > maxRuns {
		return usagef("--runs %d: want 1..%d", *runs, maxRuns)
	}
	if *quiet && (*asJSON || *trace) {
		// -q prints nothing: --json or --trace would be dropped silently.
		return usagef("-q prints nothing, so --json and --trace would be lost: drop one of them")
	}
	if *trace && *asJSON {
		// Both go to stdout; mixing them would make neither parseable.
		return usagef("--trace and --json both write to stdout: use one per run (--pcap FILE also keeps every frame)")
	}
	if *runs > 1 {
		if *pcap != "" || *pcapng != "" || *trace || *plots != "" || *html != "" {
			return usagef("--runs: --pcap, --trace, --plots and --html describe one run; drop them or --runs")
		}
		return runMany(sc, opts, *runs, *workers, *asJSON, *quiet, stdout)
	}
	report := stdout
	if *pcap == "-" {
		// 'vrrpsim run --pcap - | tshark -r -': the frames own stdout,
		// the summary goes to stderr (as tcpdump -w - does).
		if *trace || *asJSON {
			return usagef("--pcap - writes the frames to stdout: drop --trace/--json, or write the pcap to a file")
		}
		report = stderr
	}
	if *trace && !*quiet {
		opts.trace = reports.NewTerminalWriter(stdout) // scenario strings may hold escapes
	}
	// The pcap streams to its file while the run goes (issue 13: it was
	// held in memory); a failed run leaves an existing file as it was.
	pcapOut, err := openStream(*pcap, stdout)
	if err != nil {
		return usagef("--pcap: %v", err)
	}
	if pcapOut != nil {
		opts.pcap = pcapOut
	}
	if *pcapng == "-" {
		pcapOut.Abort()
		return usagef("--pcapng -: write the pcapng to a file (--pcap - streams to stdout)")
	}
	pcapngOut, err := openStream(*pcapng, stdout)
	if err != nil {
		pcapOut.Abort()
		return usagef("--pcapng: %v", err)
	}
	if pcapngOut != nil {
		opts.see.pcapng = pcapngOut
	}
	opts.see.segment, opts.see.filter = *pcapSegment, *traceFilter
	opts.aggregate = *plots == "" && *html == "" // the traffic plot needs every packet
	res, err := simulate(sc, opts)
	if err == nil && pcapOut != nil {
		if err = pcapOut.Commit(); err != nil {
			err = usagef("--pcap: %v", err)
		}
	}
	if err == nil && pcapngOut != nil {
		if err = pcapngOut.Commit(); err != nil {
			err = usagef("--pcapng: %v", err)
		}
	}
	if err != nil {
		pcapOut.Abort()
		pcapngOut.Abort()
		return err
	}
	if *plots != "" {
		if err := writePlots(res, *plots); err != nil {
			return usagef("--plots: %v", err)
		}
	}
	if *html != "" {
		if err := writeHTML(sc, res, *html); err != nil {
			return usagef("--html: %v", err)
		}
	}
	switch {
	case *quiet:
	case *asJSON:
		if err := res.report.WriteJSON(stdout); err != nil {
			return err
		}
	default:
		if err := res.report.WriteText(reports.NewTerminalWriter(report)); err != nil {
			return err
		}
	}
	if n := res.report.Failed(); n > 0 {
		return &failedError{n}
	}
	return nil
}

// runFlags turns the --seed and --until flags shared by run, plot and
// sweep into simulation options.
func runFlags(fs *pflag.FlagSet, seed uint64, until string) (simOptions, error) {
	var o simOptions
	if fs.Changed("seed") {
		o.seed, o.seedSet = seed, true
	}
	if until != "" {
		d, err := parseUntil(until)
		if err != nil {
			return o, err
		}
		o.until = d
	}
	return o, nil
}

// parseUntil parses --until: a positive virtual time.
func parseUntil(s string) (time.Duration, error) {
	d, err := scenarios.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, usagef("--until %q: want a positive duration such as 20s or 1m30s", s)
	}
	return d, nil
}

const listUsage = `usage: vrrpsim list

Lists the built-in scenarios with the first sentence of each description;
'vrrpsim run NAME' runs one.
`

func cmdList(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("list", stdout, listUsage)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("list takes no arguments, got %s", strings.Join(fs.Args(), " "))
	}
	names := scenarios.BuiltinNames()
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		fmt.Fprintf(stdout, "%-*s  %s\n", width, n, scenarios.BuiltinDescription(n))
	}
	return nil
}
