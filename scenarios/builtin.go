package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// The built-in scenario library: every builtin/*.yaml, embedded in the
// binary. A scenario's name is its file name without ".yaml".
//
//go:embed builtin/*.yaml builtin/keepalived
var builtinFS embed.FS

// DefaultBuiltin is the scenario `vrrpsim run` plays with no argument.
const DefaultBuiltin = "master-crash"

// BuiltinNames returns the names of the built-in scenarios, sorted.
func BuiltinNames() []string { return yamlNames("builtin") }

// yamlNames are the NAME of each dir/NAME.yaml of the embedded library,
// sorted.
func yamlNames(dir string) []string {
	entries, err := fs.ReadDir(builtinFS, dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok && !e.IsDir() {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// BuiltinSource returns the file name ("builtin/master-crash.yaml") and
// text of a built-in scenario.
func BuiltinSource(name string) (filename string, data []byte, ok bool) {
	if name == "" || strings.ContainsAny(name, "/\\") {
		return "", nil, false
	}
	filename = path.Join("builtin", name+".yaml")
	data, err := builtinFS.ReadFile(filename)
	if err != nil {
		return "", nil, false
	}
	return filename, data, true
}

// Builtin loads a built-in scenario by name.
func Builtin(name string) (*Scenario, error) {
	filename, data, ok := BuiltinSource(name)
	if !ok {
		return nil, fmt.Errorf("no built-in scenario %q; valid: %s", name, quoteList(BuiltinNames()))
	}
	return loadWithin(embeddedRoot("builtin"), filename, data, nil, DefaultLimits())
}

// BuiltinDescription returns the first line of a built-in scenario's
// description ("" if it has none or does not load).
func BuiltinDescription(name string) string {
	s, err := Builtin(name)
	if err != nil {
		return ""
	}
	return Summary(s.Description)
}

// Summary returns the first sentence of a description's first paragraph on
// one line: what `vrrpsim list` and report headers show.
func Summary(description string) string {
	para, _, _ := strings.Cut(strings.TrimSpace(description), "\n\n")
	line := strings.Join(strings.Fields(para), " ")
	if i := strings.Index(line, ". "); i >= 0 {
		line = line[:i+1]
	}
	return line
}
