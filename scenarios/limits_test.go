package scenarios

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/goccy/go-yaml/parser"
)

// manyHosts is a valid scenario with n hosts on one /16 segment, in block
// style as people write them.
func manyHosts(n int) []byte {
	var b strings.Builder
	b.WriteString("name: many\nduration: 1s\nsegments:\n  lan: {}\nnodes:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  h%d:\n    kind: host\n    interfaces:\n      eth0: {segment: lan, address: 10.0.%d.%d/16}\n", i, 1+i/250, 1+i%250)
	}
	return []byte(b.String())
}

func BenchmarkLoad10kNodes(b *testing.B) {
	data := manyHosts(10000)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Load("many.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// Issue 13 item 3: each limit is checked before the parser (size, depth,
// entries) or before validation (counts), with an error that names the
// limit and the flag that raises it.
func TestLoadLimits(t *testing.T) {
	small := DefaultLimits()
	small.Nodes, small.Entries, small.Depth, small.FileBytes, small.SetBytes = 3, 50, 8, 4000, 10
	deep := "name: x\nnodes: " + strings.Repeat("[", 20) + strings.Repeat("]", 20) + "\n"
	deepBlock := "name: x\n"
	for i := 0; i < 12; i++ {
		deepBlock += strings.Repeat("  ", i) + "k:\n"
	}
	dashes := "name: x\ntimeline:\n  " + strings.Repeat("- ", 12) + "x\n"
	manyKeys := "name: x\nsegments:\n"
	for i := 0; i < 60; i++ {
		manyKeys += fmt.Sprintf("  s%d: {}\n", i)
	}
	manyFlow := "name: x\nseed: [" + strings.Repeat("1,", 60) + "1]\n"
	tests := []struct {
		name string
		data string
		set  map[string]string
		want string
	}{
		{"file size", "name: x\n" + strings.Repeat("# pad\n", 1000), nil, "f.yaml:1:1: file size in bytes: 6008, over the limit of 4000 (file_bytes); valid: a smaller scenario, or raise the limit with --limit file_bytes=N"},
		{"flow depth", deep, nil, "f.yaml:2:15: nesting depth: 9, over the limit of 8 (depth)"},
		{"block depth", deepBlock, nil, "f.yaml:10:17: nesting depth: 9, over the limit of 8 (depth)"},
		{"dash depth", dashes, nil, "f.yaml:3:"},
		{"entries of a mapping", manyKeys, nil, "f.yaml:53:3: entries in one mapping or list: 51, over the limit of 50 (entries); valid: a smaller scenario, or raise the limit with --limit entries=N"},
		{"entries of a flow list", manyFlow, nil, "(entries)"},
		{"nodes", string(manyHosts(4)), nil, "f.yaml:1:1: nodes: 4, over the limit of 3 (nodes)"},
		{"--set size", string(manyHosts(1)), map[string]string{"seed": "12345678901"}, "--set seed:1:1: value size in bytes: 11, over the limit of 10 (set_bytes)"},
		{"--set depth", string(manyHosts(1)), map[string]string{"seed": "[[[[[[[[[]]]]]]]]]"[:9]}, "--set seed:1:8: nesting depth: 9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lim := small
			if tt.name == "--set depth" {
				lim.SetBytes = 100
			}
			_, err := LoadWithLimits("f.yaml", []byte(tt.data), tt.set, lim)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v\nwant an error containing %q", err, tt.want)
			}
		})
	}
}

// The defaults let a 10^4-node scenario load (and the limits can be set by
// name, as --limit does).
func TestLoadLimitsDefaultsAndSet(t *testing.T) {
	if _, err := Load("many.yaml", manyHosts(10000)); err != nil {
		t.Fatalf("10^4 hosts within the default limits: %v", err)
	}
	var l Limits
	if err := l.Set("nodes", 5); err != nil || l.Nodes != 5 {
		t.Errorf("Set(nodes, 5): %v, Nodes=%d", err, l.Nodes)
	}
	if err := l.Set("node", 5); err == nil || !strings.Contains(err.Error(), `unknown limit "node" (did you mean "nodes"?)`) {
		t.Errorf("Set(node): got %v, want unknown limit with a suggestion", err)
	}
	if err := l.Set("depth", 0); err == nil {
		t.Errorf("Set(depth, 0): got nil, want an error")
	}
}

// Item 6: inputs that never end are refused before a byte is read.
func TestReadFileRefusesSpecialFilesAndBigFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := dir + "/s.yaml"
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, want string }{
		{"/dev/zero", "/dev/zero: a character device, not a regular file; valid: a scenario .yaml file"},
		{fifo, fifo + ": a named pipe (FIFO), not a regular file"},
		{dir, dir + ": a directory, not a regular file"},
	} {
		if _, err := LoadFile(c.path); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("LoadFile(%s): got %v, want %q", c.path, err, c.want)
		}
	}
	big := dir + "/big.yaml"
	os.WriteFile(big, make([]byte, 100), 0o644)
	lim := DefaultLimits()
	lim.FileBytes = 99
	if _, err := LoadFileWithLimits(big, lim); err == nil || !strings.Contains(err.Error(), "file size in bytes: 100, over the limit of 99 (file_bytes)") {
		t.Errorf("big file: got %v", err)
	}
}

// parseChunked parses a big nodes: mapping in chunks; errors must still
// point at the file's own lines and the result must equal a whole parse.
func TestParseChunkedKeepsPositions(t *testing.T) {
	data := manyHosts(600)
	bad := strings.Replace(string(data), "  h500:\n    kind: host\n", "  h500:\n    kind: hots\n", 1)
	line := strings.Count(bad[:strings.Index(bad, "kind: hots")], "\n") + 1
	_, err := Load("f.yaml", []byte(bad))
	if want := fmt.Sprintf("f.yaml:%d:11: ", line); err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v, want an error at %s", err, want)
	}
	whole, err1 := parser.ParseBytes(data, 0)
	chunked, err2 := parseChunked(data)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if a, b := noBlank(whole.String()), noBlank(chunked.String()); a != b {
		t.Errorf("chunked parse prints differently from the whole parse (%d vs %d bytes)", len(a), len(b))
	}
}

func TestZeroLimitsMeanDefaults(t *testing.T) {
	if _, err := LoadWithLimits("many.yaml", manyHosts(3), nil, Limits{Nodes: 5}); err != nil {
		t.Errorf("zero limits but nodes: %v", err)
	}
}

// Issue 13 item 10: encodings YAML 1.2 allows are accepted with the file's
// positions; errors inside a --set value name the override and its column.
func TestLoadEncodingsAndSetPositions(t *testing.T) {
	src := string(manyHosts(2))
	utf16le := []byte{0xff, 0xfe}
	utf16be := []byte{0xfe, 0xff}
	for _, r := range src {
		utf16le = append(utf16le, byte(r), 0)
		utf16be = append(utf16be, 0, byte(r))
	}
	for name, data := range map[string][]byte{
		"utf-8 bom": append([]byte{0xef, 0xbb, 0xbf}, src...),
		"utf-16le":  utf16le,
		"utf-16be":  utf16be,
	} {
		if _, err := Load("f.yaml", data); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	bad := strings.Replace(src, "kind: host", "kind: hots", 1)
	var le []byte = []byte{0xff, 0xfe}
	for _, r := range bad {
		le = append(le, byte(r), 0)
	}
	if _, err := Load("f.yaml", le); err == nil || !strings.HasPrefix(err.Error(), "f.yaml:7:11: ") {
		t.Errorf("utf-16 error position: got %v, want f.yaml:7:11", err)
	}
	if _, err := Load("f.yaml", []byte("n\x00a\x00m\x00e\x00")); err == nil || !strings.Contains(err.Error(), "UTF-16 or UTF-32 without a byte order mark") {
		t.Errorf("utf-16 without BOM: got %v", err)
	}
	_, err := LoadWithOverrides("f.yaml", []byte(src), map[string]string{"nodes.h1.interfaces.eth0.address": "10.0.0.1/24", "nodes.h0.interfaces": "{eth0: {segment: lan, address: bad}}"})
	if err == nil || !strings.HasPrefix(err.Error(), "--set nodes.h0.interfaces:1:32: ") {
		t.Errorf("error inside a --set value: got %v, want it at --set nodes.h0.interfaces:1:32", err)
	}
}

// FuzzLoadOverrides: a --set PATH=VALUE pair is untrusted input; loading
// with it never panics and every error names a position.
func FuzzLoadOverrides(f *testing.F) {
	_, data, _ := BuiltinSource("master-crash")
	f.Add("nodes.r1.vrrp.VI_1.advert_int", "2s")
	f.Add("nodes.r1.vrrp.VI_1.virtual_ipaddress", "[10.0.0.254, bad]")
	f.Add("segments.lan", "{loss: [[[[")
	f.Add("timeline.0.at", "*a")
	f.Add("nodes.h9", "{kind: host, interfaces: {eth0: {segment: lan, address: 10.0.0.99/24}}}")
	f.Fuzz(func(t *testing.T, path, value string) {
		_, err := LoadWithOverrides("f.yaml", data, map[string]string{path: value})
		if err == nil {
			return
		}
		for _, line := range strings.Split(err.Error(), "\n") {
			if !strings.HasPrefix(line, "f.yaml:") && !strings.HasPrefix(line, "--set ") {
				t.Fatalf("error line without a position: %q", line)
			}
		}
	})
}

// FuzzParseChunked: the chunked parse of a big mapping prints exactly as a
// whole parse does, whatever the entries hold (or both fail).
func FuzzParseChunked(f *testing.F) {
	f.Add([]byte("kind: host\n"), 300)
	f.Add([]byte("{a: |\n  x\n  y\n}"), 257)
	f.Add([]byte("# c\n  k: v"), 600)
	f.Fuzz(func(t *testing.T, entry []byte, n int) {
		if n < 0 || n > 1000 || len(entry) > 200 {
			return
		}
		var b strings.Builder
		b.WriteString("name: x\nnodes:\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "  h%d: %s\n", i, entry)
		}
		data := []byte(b.String())
		whole, err1 := parser.ParseBytes(data, 0)
		chunked, err2 := parseChunked(data)
		if err1 != nil {
			return // the chunked parse then reports the whole parse's error
		}
		if err2 != nil {
			t.Fatalf("whole parse ok, chunked failed: %v", err2)
		}
		// String() re-creates blank lines and trailing blanks from token
		// neighbours, which differ at a chunk boundary (a bare "!" tag
		// before one prints "! "): compare without them.
		if noBlank(whole.String()) != noBlank(chunked.String()) {
			t.Fatalf("chunked parse differs from the whole parse")
		}
	})
}

func noBlank(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, strings.TrimRight(l, " "))
		}
	}
	return strings.Join(out, "\n")
}
