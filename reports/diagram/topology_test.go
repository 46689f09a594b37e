package diagram

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/name, or rewrites it with -update
// (go/printer's golden tests).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run go test -update and review the diff\n%s", name, got)
	}
}

// uplinkTopology is the uplink-dies network at 25 s: r1 lost its uplink
// (VI_2 in FAULT), r2 took over VRIDs 52 and 53.
func uplinkTopology() *Topology {
	return &Topology{
		Name:    "uplink-dies",
		Caption: "roles at 25s",
		Segments: []Segment{
			{Name: "lan", Notes: []string{"VRID 51 10.0.0.254", "VRID 53 10.0.0.253"}},
			{Name: "srv", Notes: []string{"VRID 52 10.0.1.254"}},
		},
		Nodes: []Node{
			{Name: "r1", Kind: "router", Ifaces: []Iface{{"eth0", "lan", []string{"10.0.0.1/24"}}, {"eth1", "srv", []string{"10.0.1.1/24"}}},
				Groups: []Group{{"VI_1", 51, 150, nil, "MASTER"}, {"VI_3", 53, 150, nil, "BACKUP"}, {"VI_2", 52, 150, nil, "FAULT"}}},
			{Name: "r2", Kind: "router", Ifaces: []Iface{{"eth0", "lan", []string{"10.0.0.2/24"}}, {"eth1", "srv", []string{"10.0.1.2/24"}}},
				Groups: []Group{{"VI_1", 51, 100, nil, "BACKUP"}, {"VI_3", 53, 100, nil, "MASTER"}, {"VI_2", 52, 100, nil, "MASTER"}}},
			{Name: "h1", Kind: "host", Client: true, Ifaces: []Iface{{"eth0", "lan", []string{"10.0.0.10/24"}}}},
			{Name: "h2", Kind: "host", Client: true, Ifaces: []Iface{{"eth0", "lan", []string{"10.0.0.20/24"}}}},
			{Name: "s1", Kind: "server", Down: true, Ifaces: []Iface{{"eth0", "srv", []string{"10.0.1.10/24"}}}, Lines: []string{"tcp/80"}},
		},
	}
}

func TestTopologyGolden(t *testing.T) {
	for _, f := range []struct {
		name  string
		write func(*Topology, *bytes.Buffer) error
	}{
		{"uplink.svg", func(t *Topology, b *bytes.Buffer) error { return t.WriteSVG(b) }},
		{"uplink.dot", func(t *Topology, b *bytes.Buffer) error { return t.WriteDOT(b) }},
		{"uplink.mmd", func(t *Topology, b *bytes.Buffer) error { return t.WriteMermaid(b) }},
	} {
		var a, b bytes.Buffer
		if err := f.write(uplinkTopology(), &a); err != nil {
			t.Fatal(err)
		}
		if err := f.write(uplinkTopology(), &b); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s: two writes differ", f.name)
		}
		golden(t, f.name, a.Bytes())
	}
}

// TestTopologySVGDrawsEveryPart checks the picture's parts by class, so a
// regression that drops a bus or a role shows up with its name.
func TestTopologySVGDrawsEveryPart(t *testing.T) {
	var b bytes.Buffer
	if err := uplinkTopology().WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	for _, want := range []struct {
		what string
		n    int
	}{
		{`class="bus segment-`, 2},
		{`class="node router"`, 2},
		{`class="node host"`, 2},
		{`class="node server"`, 1},
		{`class="link"`, 7},
		{`class="role role-master"`, 3},
		{`class="role role-backup"`, 2},
		{`class="role role-fault"`, 1},
		{`fill="` + downFill + `"`, 1},
		{">eth1 10.0.1.1/24<", 1},
		{">roles at 25s<", 1},
	} {
		if got := strings.Count(svg, want.what); got != want.n {
			t.Errorf("%s: %d times, want %d", want.what, got, want.n)
		}
	}
}

func TestTopologyPNG(t *testing.T) {
	var b bytes.Buffer
	if err := uplinkTopology().WritePNG(&b, 96); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("\x89PNG\r\n\x1a\n")) || b.Len() < 2000 {
		t.Errorf("not a PNG with a picture in it (%d bytes)", b.Len())
	}
}
