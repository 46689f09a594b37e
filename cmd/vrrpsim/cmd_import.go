package main

import (
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/scenarios"
	"github.com/vrrpsim/vrrpsim/scenarios/keepalived"
)

const importUsage = `usage: vrrpsim import NODE=PATH[@CONFIG_ID] ... [--topology FILE] [-o FILE]

Reads each node's keepalived.conf as keepalived 2.2.7 would (includes,
@config-id lines, $NAME definitions, ~SEQ/~LST) and writes the equivalent
inline scenario YAML, each value with a comment naming the file:line it
came from. CONFIG_ID is keepalived's -i: it selects the @ID lines.

Includes are read only inside the directory of each PATH (or --root).
Without --topology, each interface name becomes one LAN ("lan" for the
VRRP interface) and addresses are guessed from static_ipaddress,
unicast_src_ip and the VIP subnets: every guess is printed. With
--topology, a scenario file gives the segments and each node's interfaces.

Findings (fix-ups keepalived applies silently, keywords not modelled,
errors) go to stderr as FILE:LINE:COL: severity: message. Exit 2 when a
finding is an error (or, with --strict, an unknown keyword).

flags:
`

func cmdImport(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("import", stdout, importUsage)
	out := fs.StringP("output", "o", "", "write the YAML to this file instead of stdout")
	topoFile := fs.String("topology", "", "scenario file giving segments and interfaces")
	root := fs.String("root", "", "directory that includes may read (default: each PATH's directory)")
	strict := fs.Bool("strict", false, "unknown keywords are errors (keepalived only warns)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("import needs at least one NODE=PATH[@CONFIG_ID]")
	}
	srcs, err := nodeSources(fs.Args(), *root) // cmd_lint.go
	if err != nil {
		return err
	}
	var topo *scenarios.Scenario
	if *topoFile != "" {
		sc, err := scenarios.LoadFile(*topoFile)
		if err != nil {
			return err
		}
		topo = sc
	}
	yaml, finds := keepalived.Import(srcs, topo, keepalived.Options{Strict: *strict})
	tw := reports.NewTerminalWriter(stderr)
	for _, f := range finds {
		fmt.Fprintln(tw, f.String())
	}
	if keepalived.HasErrors(finds) {
		return usagef("import: the configs have errors (above); no YAML written")
	}
	return writeOut(*out, stdout, func(w io.Writer) error { _, err := w.Write(yaml); return err })
}

// importSource parses NODE=PATH[@CONFIG_ID]; the file is read through an
// fs.FS rooted at root (or PATH's directory), so includes cannot leave it.
func importSource(arg, root string) (keepalived.Source, error) {
	node, p, ok := strings.Cut(arg, "=")
	if !ok || node == "" || p == "" {
		return keepalived.Source{}, usagef("%q: want NODE=PATH[@CONFIG_ID]", arg)
	}
	src := keepalived.Source{Node: node}
	if i := strings.LastIndexByte(p, '@'); i >= 0 {
		src.ConfigID, src.HasConfigID, p = p[i+1:], true, p[:i]
	}
	dir := root
	if dir == "" {
		dir = filepath.Dir(p)
	}
	rel, err := filepath.Rel(dir, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return keepalived.Source{}, usagef("%s is not inside --root %s", p, dir)
	}
	if _, err := os.Stat(p); err != nil {
		return keepalived.Source{}, usagef("%s: %v", node, err)
	}
	src.FS = os.DirFS(dir)
	src.Path = filepath.ToSlash(rel)
	shown := filepath.ToSlash(dir)
	src.Display = func(name string) string { return path.Join(shown, name) }
	return src, nil
}
