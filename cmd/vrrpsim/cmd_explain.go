package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/scenarios"
	"github.com/vrrpsim/vrrpsim/scenarios/keepalived"
)

const explainUsage = `usage: vrrpsim explain NODE=PATH[@CONFIG_ID] ... [--json]
       vrrpsim explain SCENARIO [--json]

Says what keepalived 2.2.7 will actually run with, per node: every
option of every vrrp_instance after keepalived's fix-ups (v2 advert_int
in whole seconds, v3 in centiseconds, auth ignored for v3, auth_pass cut
to 8 characters, an unknown state read as BACKUP, state MASTER without a
priority read as 255 ...), and the timings that follow: Skew_Time and
Master_Down_Interval, who is master after a start and when, the takeover
after a crash and after a graceful stop, the gratuitous ARP bursts, how
long preempt_delay holds, what each tracked failure does to the
priorities and who wins, and the notify commands keepalived would run.
Every figure comes from the code the simulator runs.

With NODE=PATH the configs are read as 'vrrpsim import' reads them (the
LAN is guessed from interface names and addresses); with a scenario
(file or built-in name) its nodes are explained as they are built.

flags:
`

func cmdExplain(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("explain", stdout, explainUsage)
	asJSON := fs.Bool("json", false, "the explanation as JSON on stdout")
	root := fs.String("root", "", "directory that includes may read (default: each PATH's directory)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("explain needs NODE=PATH[@CONFIG_ID] ... or a scenario")
	}
	var sc *scenarios.Scenario
	var fixups []string
	if fs.NArg() == 1 && !strings.Contains(fs.Arg(0), "=") {
		s, err := loadScenario(fs.Arg(0))
		if err != nil {
			return err
		}
		sc = s
	} else {
		s, f, err := explainConfigs(fs.Args(), *root)
		if err != nil {
			return err
		}
		sc, fixups = s, f
	}
	e, err := scenarios.Explain(sc, fixups)
	if err != nil {
		return inputError{err}
	}
	return writeOut("", stdout, func(w io.Writer) error {
		if *asJSON {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(e)
		}
		return e.WriteText(reports.NewTerminalWriter(w))
	})
}

// explainConfigs reads NODE=PATH arguments into a scenario as `import`
// does (guessed LAN), with each instance's position in its config file,
// and the reader's findings as text.
func explainConfigs(args []string, root string) (*scenarios.Scenario, []string, error) {
	srcs, err := nodeSources(args, root) // cmd_lint.go
	if err != nil {
		return nil, nil, err
	}
	opts := keepalived.Options{}
	yaml, finds := keepalived.Import(srcs, nil, opts)
	var fixups []string
	for _, f := range finds {
		fixups = append(fixups, f.String())
	}
	if keepalived.HasErrors(finds) {
		return nil, nil, inputError{fmt.Errorf("explain: the configs have errors:\n%s", strings.Join(fixups, "\n"))}
	}
	nodes, _, cfgs, _ := keepalived.Nodes(srcs, opts)
	var names []string
	for _, s := range srcs {
		names = append(names, s.Node)
	}
	name := "configs of " + strings.Join(names, ", ")
	sc, err := scenarios.Load("explain.yaml", yaml)
	if err != nil {
		// A cluster too broken to run (one VRID under two names...) is
		// still explained, each interface name taken as its own LAN and
		// without the guessed addresses.
		fixups = append(fixups, "the configs do not make a runnable scenario, explained without guessed addresses: "+strings.ReplaceAll(err.Error(), "\n", "; "))
		sc = &scenarios.Scenario{}
		for i, nd := range nodes {
			for _, ifn := range cfgs[i].Interfaces() {
				nd.Interfaces = append(nd.Interfaces, &scenarios.Interface{Name: ifn, Segment: ifn})
			}
			sc.Nodes = append(sc.Nodes, nd)
		}
		sc.Name = name
		return sc, fixups, nil
	}
	sc.Name = name
	// The same instances, with the config file's positions and notify
	// commands (import writes neither).
	for _, nd := range nodes {
		for _, sn := range sc.Nodes {
			if sn.Name == nd.Name {
				sn.VRRP, sn.SyncGroups = nd.VRRP, nd.SyncGroups
			}
		}
	}
	return sc, fixups, nil
}
