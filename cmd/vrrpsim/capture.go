package main

import (
	"io"
	"slices"
	"strings"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/scenarios"
	"github.com/vrrpsim/vrrpsim/sim"
)

// The glue between a scenario and the trace consumers that need to know
// its topology (reports cannot read scenarios): the pcapng interface list,
// the trace filter's node/segment facts and the frame classifier.

// captureInterfaces lists every node interface in file order, so the
// pcapng interface ids do not depend on map order.
func captureInterfaces(sc *scenarios.Scenario) []reports.PcapngInterface {
	var out []reports.PcapngInterface
	for _, n := range sc.Nodes {
		for _, i := range n.Interfaces {
			if i.Segment == "" {
				continue // lo/tunl0: on no segment, never on a wire
			}
			out = append(out, reports.PcapngInterface{Node: n.Name, Iface: i.Name, Segment: i.Segment})
		}
	}
	return out
}

// filterEnv tells a trace filter which segments each node is on and how
// to classify a frame.
func filterEnv(sc *scenarios.Scenario) reports.FilterEnv {
	env := reports.FilterEnv{NodeSegments: map[string][]string{}, Segments: map[string]bool{}, CompSegment: map[string]string{}, Classify: classifyFrame()}
	for _, s := range sc.Segments {
		env.Segments[s.Name] = true
	}
	for _, n := range sc.Nodes {
		seg := map[string]string{}
		for _, i := range n.Interfaces {
			if i.Segment != "" {
				seg[i.Name] = i.Segment
				env.NodeSegments[n.Name] = append(env.NodeSegments[n.Name], i.Segment)
				env.CompSegment[n.Name+"/"+i.Name] = i.Segment
			}
		}
		for _, in := range n.VRRP {
			if s := seg[in.Interface]; s != "" {
				env.CompSegment[n.Name+"/"+in.Name] = s
			}
		}
	}
	return env
}

// classifyFrame decodes a frame with the simulator's own decoder (the
// same one receivers use) and says which protocols it carries. A frame
// that does not decode matches no protocol; the decoder and frame are
// reused, since the trace is single-threaded.
func classifyFrame() func([]byte) reports.FrameFacts {
	dec := wire.NewDecoder()
	var f wire.Frame
	return func(b []byte) reports.FrameFacts {
		_ = dec.Decode(b, &f) // a failed decode keeps the layers before the bad one
		ff := reports.FrameFacts{VRRP: f.HasVRRP, ARP: f.HasARP, ICMP: f.HasICMP, UDP: f.HasUDP, TCP: f.HasTCP}
		if f.HasIP {
			// By IP protocol too, so an advert with a bad checksum (a
			// fault a lab injects) is still "vrrp": tcpdump's proto
			// primitives look at the header, not at validity.
			ff.VRRP = ff.VRRP || f.IP.Protocol == wire.ProtoVRRP
			ff.ICMP = ff.ICMP || f.IP.Protocol == wire.ProtoICMP
			ff.TCP = ff.TCP || f.IP.Protocol == wire.ProtoTCP
			ff.UDP = ff.UDP || f.IP.Protocol == wire.ProtoUDP
		}
		if f.HasVRRP {
			ff.VRID = int(f.VRRP.VRID)
		}
		return ff
	}
}

// segmentSummary prefixes each frame line of the text trace with its
// segment when the scenario has more than one ("[wan] IP ..."), as
// `tcpdump -i any` names the interface. seg is set by the tracer just
// before the text trace formats a frame.
func segmentSummary(sc *scenarios.Scenario, seg *string) func([]byte) string {
	if len(sc.Segments) < 2 {
		return wire.Summary
	}
	return func(b []byte) string { return "[" + *seg + "] " + wire.Summary(b) }
}

// seeOptions are the capture outputs of issue 16 on top of --pcap/--trace.
type seeOptions struct {
	pcapng  io.Writer    // nil: no pcapng
	segment string       // --pcap-segment: only this segment in pcap/pcapng
	filter  string       // --trace-filter: "" keeps everything
	extra   []sim.Tracer // more consumers (the sequence chart), behind the filter
}

// captures are the per-run trace consumers that can fail while writing.
type captures struct {
	pcap   *reports.PcapWriter
	pcapng *reports.PcapngWriter
}

// addCaptures attaches the pcap, pcapng and text trace of o to g's
// kernels, each behind the trace filter (and the pcaps behind
// --pcap-segment).
func addCaptures(k *sim.Group, sc *scenarios.Scenario, o simOptions) (*captures, error) {
	var c captures
	var flt *reports.Filter
	if o.see.filter != "" {
		var err error
		if flt, err = reports.ParseFilter(o.see.filter, filterEnv(sc)); err != nil {
			return nil, usagef("--trace-filter: %v", err)
		}
	}
	if seg := o.see.segment; seg != "" && !slices.Contains(segmentNames(sc), seg) {
		return nil, usagef("--pcap-segment %q: no such segment; segments: %s", seg, strings.Join(segmentNames(sc), ", "))
	}
	onSegment := func(t sim.Tracer) sim.Tracer {
		if o.see.segment == "" {
			return t
		}
		return func(r *sim.Record) {
			if r.Kind != sim.KindFrame || r.Node == o.see.segment {
				t(r)
			}
		}
	}
	if o.pcap != nil {
		var err error
		if c.pcap, err = reports.NewPcapWriter(o.pcap, reports.PcapEpoch); err != nil {
			return nil, err
		}
		k.AddTracer(reports.FilterTracer(flt, onSegment(c.pcap.Trace)))
	}
	if o.see.pcapng != nil {
		var err error
		if c.pcapng, err = reports.NewPcapngWriter(o.see.pcapng, reports.PcapEpoch, captureInterfaces(sc), o.see.segment); err != nil {
			return nil, err
		}
		k.AddTracer(reports.FilterTracer(flt, c.pcapng.Trace))
	}
	if o.trace != nil {
		var seg string
		tt := reports.NewTextTrace(o.trace, segmentSummary(sc, &seg))
		k.AddTracer(reports.FilterTracer(flt, func(r *sim.Record) {
			seg = r.Node
			tt.Trace(r)
		}))
	}
	for _, t := range o.see.extra {
		k.AddTracer(reports.FilterTracer(flt, t))
	}
	return &c, nil
}

// finish flushes the pcapng and reports the first write error.
func (c *captures) finish() error {
	if c.pcap != nil {
		if err := c.pcap.Err(); err != nil {
			return err
		}
	}
	if c.pcapng != nil {
		return c.pcapng.Close()
	}
	return nil
}

func segmentNames(sc *scenarios.Scenario) []string {
	var out []string
	for _, s := range sc.Segments {
		out = append(out, s.Name)
	}
	return out
}
