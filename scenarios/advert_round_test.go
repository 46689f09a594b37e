package scenarios

import (
	"strings"
	"testing"
	"time"
)

// TestVRRPv2AdvertIntRoundedLikeKeepalived (issue 13 item 16): keepalived
// 2.2.7 vrrp_complete_instance accepts a fractional VRRPv2 advert_int,
// warns and rounds it to the nearest second (half up, at least 1 s), and
// clamps 256 s or more to 255 s; vrrpsim loads the same values, says what
// it will send, and runs with the rounded interval.
func TestVRRPv2AdvertIntRoundedLikeKeepalived(t *testing.T) {
	_, data, _ := BuiltinSource("master-crash")
	for _, tt := range []struct {
		set  string
		want time.Duration
		warn string
	}{
		{"1.5s", 2 * time.Second, "advert_int 1.5s of VRRPv2 instance VI_1 is not whole seconds: keepalived rounds it to 2s and sends Adver Int 2"},
		{"1.4s", time.Second, "rounds it to 1s and sends Adver Int 1"},
		{"0.3s", time.Second, "rounds it to 1s and sends Adver Int 1"},
		{"300s", 255 * time.Second, "advert_int 5m0s of VRRPv2 instance VI_1 is out of range: keepalived sets it to 255s"},
		{"3s", 3 * time.Second, ""},
	} {
		s, err := LoadWithOverrides("f.yaml", data, map[string]string{"nodes.r2.vrrp.VI_1.advert_int": tt.set})
		if err != nil {
			t.Errorf("%s: %v", tt.set, err)
			continue
		}
		var in *Instance
		for _, n := range s.Nodes {
			if n.Name == "r2" {
				in = n.VRRP[0]
			}
		}
		if in.AdvertInt != tt.want {
			t.Errorf("%s: advert_int %v, want %v", tt.set, in.AdvertInt, tt.want)
		}
		var warns []string
		for _, w := range s.Warnings {
			warns = append(warns, w.String())
		}
		got := strings.Join(warns, "\n")
		if tt.warn == "" && got != "" || !strings.Contains(got, tt.warn) {
			t.Errorf("%s: warnings %q, want one containing %q", tt.set, got, tt.warn)
		}
	}
}
