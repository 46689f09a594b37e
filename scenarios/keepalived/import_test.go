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
