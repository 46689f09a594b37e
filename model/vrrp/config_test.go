package vrrp_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/vrrp"
)

// keepalived vrrp_complete_instance defaults.
func TestConfigWithDefaults(t *testing.T) {
	c := vrrp.Config{}.WithDefaults()
	if c.Version != 2 || c.Priority != 100 || c.InitialState != vrrp.StateBackup || c.AdvertInt != time.Second ||
		c.GARPMasterDelay != 5*time.Second || c.GARPMasterRepeat != 5 || c.GARPMasterRefreshRepeat != 1 || c.GARPMasterRefresh != 0 {
		t.Errorf("defaults: got %+v", c)
	}
	if c := (vrrp.Config{InitialState: vrrp.StateMaster}).WithDefaults(); c.Priority != 255 {
		t.Errorf("state MASTER without priority: got priority %d, want 255", c.Priority)
	}
	if c := (vrrp.Config{Priority: 255}).WithDefaults(); c.InitialState != vrrp.StateMaster {
		t.Errorf("priority 255 without state: got %v, want MASTER", c.InitialState)
	}
	if c := (vrrp.Config{GARPMasterDelay: vrrp.GARPDelayOff}).WithDefaults(); c.GARPMasterDelay != vrrp.GARPDelayOff {
		t.Errorf("GARPDelayOff: got %v, want it kept", c.GARPMasterDelay)
	}
}

func TestConfigValidate(t *testing.T) {
	good := func() vrrp.Config {
		c := baseConfig(100)
		c.PrimaryIP = ip(10, 0, 0, 1)
		return c.WithDefaults()
	}
	tests := []struct {
		name string
		mod  func(c *vrrp.Config)
		want string // substring of the error, "" = valid
	}{
		{"valid", func(c *vrrp.Config) {}, ""},
		{"valid v3 10ms", func(c *vrrp.Config) { c.Version = 3; c.AdvertInt = 10 * time.Millisecond }, ""},
		{"no name", func(c *vrrp.Config) { c.Name = "" }, "instance name is empty"},
		{"no interface", func(c *vrrp.Config) { c.Interface = "" }, "interface is empty"},
		{"vrid 0", func(c *vrrp.Config) { c.VRID = 0 }, "virtual_router_id 0 is invalid, want 1..255"},
		{"version 4", func(c *vrrp.Config) { c.Version = 4 }, "version 4 is invalid, want 2 or 3"},
		{"priority 256", func(c *vrrp.Config) { c.Priority = 256 }, "priority 256 is invalid, want 1..255"},
		{"v2 fractional interval", func(c *vrrp.Config) { c.AdvertInt = 1500 * time.Millisecond }, "want whole seconds 1..255"},
		{"v3 interval 15ms", func(c *vrrp.Config) { c.Version = 3; c.AdvertInt = 15 * time.Millisecond }, "multiple of 10ms"},
		{"v3 interval too long", func(c *vrrp.Config) { c.Version = 3; c.AdvertInt = 41 * time.Second }, "10ms..40.95s"},
		{"preempt delay", func(c *vrrp.Config) { c.PreemptDelay = 1001 * time.Second }, "preempt_delay"},
		{"no VIP", func(c *vrrp.Config) { c.VIPs = nil }, "virtual_ipaddress is empty"},
		{"v6 VIP", func(c *vrrp.Config) { c.VIPs = []netip.Addr{netip.MustParseAddr("::1")} }, "not an IPv4 address"},
		{"no primary", func(c *vrrp.Config) { c.PrimaryIP = netip.Addr{} }, "primary IP"},
		{"multicast peer", func(c *vrrp.Config) { c.UnicastPeers = []netip.Addr{ip(224, 0, 0, 18)} }, "unicast_peer"},
		{"long password", func(c *vrrp.Config) { c.AuthPass = "123456789" }, "want at most 8"},
		{"v3 auth", func(c *vrrp.Config) { c.Version = 3; c.AuthPass = "x" }, "not supported with version 3"},
		{"track weight", func(c *vrrp.Config) { c.TrackScripts = []vrrp.Track{{Name: "s", Weight: 254, HasWeight: true}} }, "want -253..253"},
		{"track name", func(c *vrrp.Config) { c.TrackInterfaces = []vrrp.Track{{}} }, "track_interface entry has an empty name"},
		{"garp delay", func(c *vrrp.Config) { c.GARPMasterDelay = -2 }, "garp_master_delay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good()
			tt.mod(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want error containing %q", err, tt.want)
			}
		})
	}
	if _, err := vrrp.New(vrrp.Config{}, nil); err == nil {
		t.Errorf("New with empty config: got nil error, want one")
	}
}
