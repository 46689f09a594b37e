package keepalived

import (
	"flag"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

var update = flag.Bool("update", false, "rewrite golden files")

// dirSource reads file (relative to testdata) through an fs.FS rooted at
// its directory, as the CLI does.
func dirSource(node, file, id string) Source {
	dir := filepath.Join("testdata", filepath.Dir(file))
	return Source{Node: node, FS: os.DirFS(dir), Path: filepath.Base(file),
		Display:  func(p string) string { return path.Join(filepath.ToSlash(dir), p) },
		ConfigID: id, HasConfigID: id != ""}
}

func findingLines(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// TestImportGolden imports real-world-shaped configs and compares the YAML
// and the findings with golden files; the YAML must load and validate.
func TestImportGolden(t *testing.T) {
	cases := []struct {
		name string
		srcs []Source
	}{
		{"pair", []Source{dirSource("r1", "pair/keepalived.conf", "r1"), dirSource("r2", "pair/keepalived.conf", "r2")}},
		{"lvs", []Source{dirSource("lvs1", "lvs/keepalived.conf", "")}},
		{"lvs-checks", []Source{dirSource("lb1", "lvs-checks/keepalived.conf", "")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, finds := Import(tc.srcs, nil, Options{})
			got := string(out) + "\n# findings:\n" + commentLines(findingLines(finds))
			golden := filepath.Join("testdata", tc.name+".import.golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("import %s differs from %s:\n%s", tc.name, golden, got)
			}
			if _, err := scenarios.Load(tc.name+".yaml", out); err != nil {
				t.Errorf("imported YAML does not load: %v\n%s", err, out)
			}
		})
	}
}

func commentLines(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if l != "" {
			b.WriteString("# " + l + "\n")
		}
	}
	return b.String()
}

// TestImportMatchesBuiltin: the built-in master-crash written as
// keepalived.conf and imported with the built-in as topology gives the
// same instances as the built-in's inline YAML.
func TestImportMatchesBuiltin(t *testing.T) {
	builtin, err := scenarios.Builtin("master-crash")
	if err != nil {
		t.Fatal(err)
	}
	srcs := []Source{dirSource("r1", "master-crash/keepalived.conf", "r1"), dirSource("r2", "master-crash/keepalived.conf", "r2")}
	out, finds := Import(srcs, builtin, Options{})
	if HasErrors(finds) {
		t.Fatalf("findings:\n%s", findingLines(finds))
	}
	sc, err := scenarios.Load("imported.yaml", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, name := range []string{"r1", "r2"} {
		got, want := nodeByName(sc, name), nodeByName(builtin, name)
		if got == nil || want == nil || len(got.VRRP) != 1 || len(want.VRRP) != 1 {
			t.Fatalf("node %s missing or without one instance\n%s", name, out)
		}
		g, w := *got.VRRP[0], *want.VRRP[0]
		g.Pos, w.Pos = scenarios.Pos{}, scenarios.Pos{}
		if fmtAny(g) != fmtAny(w) {
			t.Errorf("%s VI_1:\n got %+v\nwant %+v", name, g, w)
		}
		if fmtAny(got.Interfaces[0].Addresses) != fmtAny(want.Interfaces[0].Addresses) {
			t.Errorf("%s interfaces: got %v, want the topology's %v", name, got.Interfaces[0].Addresses, want.Interfaces[0].Addresses)
		}
	}
}

func nodeByName(sc *scenarios.Scenario, name string) *scenarios.Node {
	for _, n := range sc.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}
