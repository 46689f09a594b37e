package reports

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestReportsImportsOnlySimAndAllowedLibraries keeps the DESIGN dependency
// rule: reports read the trace (sim) and never reach into the models or
// the scenario loader, so a metric can never depend on model internals.
func TestReportsImportsOnlySimAndAllowedLibraries(t *testing.T) {
	allowed := map[string]string{
		"github.com/vrrpsim/vrrpsim/sim":      "the trace records reports read",
		"github.com/gopacket/gopacket":        "CaptureInfo for pcapgo",
		"github.com/gopacket/gopacket/layers": "link type constants for pcap",
		"github.com/gopacket/gopacket/pcapgo": "pcap writing",
	}
	forbidden := map[string]string{
		"github.com/vrrpsim/vrrpsim/model":     "reports read trace records, not model structs (DESIGN: reports -> sim)",
		"github.com/vrrpsim/vrrpsim/scenarios": "the integrator passes Meta and Expectations; reports must not load scenarios",
		"github.com/vrrpsim/vrrpsim/cmd":       "cmd imports reports, not the other way round",
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			for prefix, why := range forbidden {
				if path == prefix || strings.HasPrefix(path, prefix+"/") {
					t.Errorf("%s imports %s: %s", name, path, why)
				}
			}
			first, _, _ := strings.Cut(path, "/")
			if !strings.Contains(first, ".") {
				continue // standard library
			}
			if _, ok := allowed[path]; !ok {
				t.Errorf("%s imports %s, which reports may not depend on", name, path)
			}
		}
	}
}
