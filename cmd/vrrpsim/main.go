// Command vrrpsim runs VRRP/ARP/LAN scenarios in virtual time and reports
// convergence, traffic lost, pcaps and traces.
//
//	vrrpsim run [SCENARIO] [flags]   run a scenario file or built-in (default: master-crash)
//	vrrpsim list                     list the built-in scenarios
//
// Exit codes: 0 ok, 1 an expectation failed, 2 bad usage or bad input.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/scenarios"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// Exit codes, mapped in one place.
const (
	exitOK       = 0
	exitFailed   = 1 // an expectation failed
	exitBadInput = 2 // bad usage, bad scenario, unwritable output
	// exitInterrupted is the shell's 128+SIGINT: the user stopped a
	// sweep; what it was writing was removed.
	exitInterrupted = 130
)

// errInterrupted means the user interrupted a long command (SIGINT or
// SIGTERM) and it stopped cleanly.
var errInterrupted = errors.New("interrupted; no output written")

// usageError is bad command-line usage (exit 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// failedError means the run worked but expectations failed (exit 1).
type failedError struct{ n int }

func (e *failedError) Error() string { return fmt.Sprintf("%d expectation(s) failed", e.n) }

const usageText = `vrrpsim — VRRP / ARP / LAN failover simulator in virtual time

usage:
  vrrpsim run [SCENARIO] [flags]   run a scenario (file.yaml or built-in name; default master-crash)
  vrrpsim list                     list the built-in scenarios
  vrrpsim check FILE|DIR...        run scenarios, report failed expectations (CI)
  vrrpsim plot [SCENARIO] --out DIR  write state/ARP/FDB/traffic plots of a run
  vrrpsim sweep SCENARIO --set PATH=V1,V2 ...  run a parameter grid, write CSV/JSON/plots
  vrrpsim merge OUT.csv SHARD.csv...  join the CSVs of sweep shards
  vrrpsim step SCENARIO [--script '...']  step through a run event by event, inspect nodes, go back
  vrrpsim sched FILE [--json]      what would IPVS pick? replay a scheduler playground file
  vrrpsim graph [SCENARIO] [-o F]  draw the network (SVG/PNG/DOT/Mermaid), roles --at a time
  vrrpsim lab new|check LAB --student ID  hand out a graded lab, grade an answer
  vrrpsim import NODE=PATH[@ID]... [-o F]  keepalived.conf files -> inline scenario YAML
  vrrpsim lint NODE=PATH[@ID]...|SCENARIO  check a cluster's keepalived.conf files together
  vrrpsim explain NODE=PATH[@ID]...|SCENARIO  what keepalived will run with, and its timings
  vrrpsim help [COMMAND]           show help
  vrrpsim version                  show the version (also --version)

run 'vrrpsim COMMAND --help' for the flags of a command.
`

// commandList names the subcommands, for error messages.
const commandList = "run, list, check, plot, sweep, merge, step, sched, graph, lab, import, lint, explain"

func isCommand(name string) bool {
	return slices.Contains(strings.Split(commandList, ", "), name)
}

// positioned matches an error that starts with FILE:LINE:COL.
var positioned = regexp.MustCompile(`^[^\s:]+:\d+:\d+: `)

// versionText is the module version and VCS revision the binary was built
// from (go version -m shows the same).
func versionText() string {
	v, rev, dirty := "(devel)", "", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, st := range bi.Settings {
			switch st.Key {
			case "vcs.revision":
				rev = " " + st.Value[:min(12, len(st.Value))]
			case "vcs.modified":
				if st.Value == "true" {
					dirty = "+dirty"
				}
			}
		}
	}
	return "vrrpsim " + v + rev + dirty + " " + runtime.Version()
}

// run is the whole CLI; main only maps its result to the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		args = []string{"run"}
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "run":
		err = cmdRun(rest, stdout, stderr)
	case "list":
		err = cmdList(rest, stdout, stderr)
	case "check":
		err = cmdCheck(rest, stdout, stderr)
	case "plot":
		err = cmdPlot(rest, stdout, stderr)
	case "sweep":
		err = cmdSweep(rest, stdout, stderr)
	case "merge":
		err = cmdMerge(rest, stdout, stderr)
	case "step":
		err = cmdStep(rest, stdout, stderr)
	case "sched":
		err = cmdSched(rest, stdout, stderr)
	case "graph":
		err = cmdGraph(rest, stdout, stderr)
	case "lab":
		err = cmdLab(rest, stdout, stderr)
	case "import":
		err = cmdImport(rest, stdout, stderr)
	case "lint":
		err = cmdLint(rest, stdout, stderr)
	case "explain":
		err = cmdExplain(rest, stdout, stderr)
	case "help", "-h", "--help":
		// 'vrrpsim help run' is 'vrrpsim run --help'.
		if len(rest) == 1 && isCommand(rest[0]) {
			return run([]string{rest[0], "--help"}, stdout, stderr)
		}
		if len(rest) > 0 {
			return exitCode(usagef("help: unknown command %q; valid commands: %s", strings.Join(rest, " "), commandList), stderr)
		}
		fmt.Fprint(stdout, usageText)
		return exitOK
	case "version", "--version":
		fmt.Fprintln(stdout, versionText())
		return exitOK
	default:
		err = usagef("unknown command %q%s; valid commands: %s, help, version", cmd, scenarios.Suggest(cmd, strings.Split(commandList, ", ")), commandList)
	}
	return exitCode(err, stderr)
}

// exitCode reports err on stderr and maps it to an exit code.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	// Errors echo input (names, values): escape control characters.
	stderr = reports.NewTerminalWriter(stderr)
	var fe *failedError
	if errors.As(err, &fe) {
		fmt.Fprintf(stderr, "vrrpsim: %v\n", err)
		return exitFailed
	}
	if errors.Is(err, errHelp) {
		return exitOK
	}
	if errors.Is(err, errInterrupted) {
		fmt.Fprintf(stderr, "vrrpsim: %v\n", err)
		return exitInterrupted
	}
	// A scenario error starts with FILE:LINE:COL, as compilers print them,
	// so editors and CI problem matchers can jump to it; anything else
	// gets the "vrrpsim:" prefix.
	var ie inputError
	if errors.As(err, &ie) && positioned.MatchString(err.Error()) {
		fmt.Fprintf(stderr, "%v\n", err)
		return exitBadInput
	}
	fmt.Fprintf(stderr, "vrrpsim: %v\n", err)
	return exitBadInput
}
