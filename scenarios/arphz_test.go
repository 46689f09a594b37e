package scenarios

import (
	"strings"
	"testing"
)

// TestARPHZ: the linux profile's neighbour timers run on the kernel timer
// wheel at CONFIG_HZ 250 unless the scenario says otherwise
// (kernel/time/timer.c calc_wheel_index; model/arp wheel.go); `hz: 0`
// keeps them exact, and only the Kconfig.hz choices are accepted.
func TestARPHZ(t *testing.T) {
	for _, tt := range []struct {
		arp     string // h1's arp block, "" for none
		wantHZ  int    // arp.Config.HZ handed to the cache
		wantErr string
	}{
		{"", 250, ""},
		{"{hz: 0}", -1, ""},
		{"{hz: 100}", 100, ""},
		{"{hz: 300}", 300, ""},
		{"{hz: 1000}", 1000, ""},
		{"{hz: 200}", 0, "t.yaml:20:15: hz in arp of h1: 200 is not a CONFIG_HZ choice; valid: 100, 250 (default), 300, 1000, or 0 for exact timers"},
		{"{hz: 1024}", 0, "t.yaml:20:15: hz in arp of h1: 1024 is not a CONFIG_HZ choice; valid: 100, 250 (default), 300, 1000, or 0"},
		{"{hz: -1}", 0, "t.yaml:20:15: hz in arp of h1: -1 is not a CONFIG_HZ choice; valid: 100, 250 (default), 300, 1000, or 0"},
	} {
		src := baseYAML
		if tt.arp != "" {
			src += "    arp: " + tt.arp + "\n"
		}
		s, err := Load("t.yaml", []byte(src))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("arp %s: got error %v, want %q", tt.arp, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("arp %s: %v", tt.arp, err)
		}
		h1 := s.Nodes[1]
		if got := arpConfig(h1.ARP).HZ; got != tt.wantHZ {
			t.Errorf("arp %q: cache HZ %d, want %d", tt.arp, got, tt.wantHZ)
		}
		if err := arpConfig(h1.ARP).Validate(); err != nil {
			t.Errorf("arp %q: %v", tt.arp, err)
		}
	}
}
