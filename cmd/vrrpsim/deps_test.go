package main

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/vrrpsim/vrrpsim"

// rule forbids imports by the packages under dir, each with its reason.
type rule struct {
	dir       string
	forbidden []string // import path prefixes
	why       string
}

// The dependency direction of DESIGN.md: cmd -> scenarios, reports ->
// model/* -> model/wire, sim; sim imports nothing of ours.
var rules = []rule{
	{"sim", []string{module + "/"}, "the kernel knows nothing of the models"},
	{"model/wire", []string{module + "/model/arp", module + "/model/lan", module + "/model/vrrp", module + "/model/node", module + "/scenarios", module + "/reports"}, "wire formats stay apart from behaviour"},
	{"model/arp", []string{module + "/model/lan", module + "/model/vrrp", module + "/model/node"}, "a speaker talks to the world through its Env"},
	{"model/vrrp", []string{module + "/model/lan", module + "/model/arp", module + "/model/node"}, "a speaker talks to the world through its Env"},
	{"model/lan", []string{module + "/model/arp", module + "/model/vrrp", module + "/model/node"}, "the switch knows frames, not speakers"},
	{"model/tcp", []string{module + "/model/arp", module + "/model/lan", module + "/model/vrrp", module + "/model/node", module + "/model/lb"}, "TCP talks to the world through its Env"},
	{"model/lb", []string{module + "/model/arp", module + "/model/lan", module + "/model/vrrp", module + "/model/node", module + "/model/tcp"}, "the director talks to the world through its Env"},
	{"model/lb/sched", []string{module + "/model/", module + "/sim"}, "a scheduler is a pure function of its service and request"},
	{"model/proxy", []string{module + "/model/arp", module + "/model/lan", module + "/model/vrrp", module + "/model/node", module + "/model/tcp", module + "/model/lb"}, "nginx talks to the world through its Env"},
	{"model/proxy/upstream", []string{module + "/model/", module + "/sim"}, "peer selection is a pure function of the upstream state and the request"},
	{"model", []string{module + "/scenarios", module + "/reports", module + "/cmd", "os", "log", "gonum.org/", "github.com/spf13/pflag", "github.com/goccy/go-yaml", "time/tzdata"}, "models never read files, log, plot or parse config"},
	{"reports", []string{module + "/model", module + "/scenarios", module + "/cmd"}, "reports read the trace, never the models"},
	{"scenarios", []string{module + "/reports", module + "/cmd"}, "the loader builds worlds; reporting is cmd's job"},
}

func imports(t *testing.T, dir string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			out[p] = append(out[p], path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDependencyDirection(t *testing.T) {
	root := filepath.Join("..", "..")
	for _, r := range rules {
		dir := filepath.Join(root, r.dir)
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		for imp, files := range imports(t, dir) {
			for _, bad := range r.forbidden {
				if imp == bad || strings.HasPrefix(imp, bad) && (strings.HasSuffix(bad, "/") || strings.HasPrefix(imp[len(bad):], "/")) {
					sort.Strings(files)
					t.Errorf("%s imports %s (in %s): forbidden because %s", r.dir, imp, files[0], r.why)
				}
			}
		}
	}
}

func TestNoGrabBagPackages(t *testing.T) {
	root := filepath.Join("..", "..")
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			switch d.Name() {
			case "util", "utils", "common", "helpers", "misc":
				t.Errorf("package directory %s: name packages for what they are", path)
			}
		}
		return nil
	})
}
