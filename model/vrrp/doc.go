// Package vrrp is the VRRP speaker state machine: RFC 3768 (VRRPv2) and
// RFC 5798 (VRRPv3, IPv4) as keepalived 2.2.7 implements them. Where
// keepalived and the RFCs differ, keepalived wins; each difference is noted
// in a comment starting with the RFC section, and listed here:
//
//   - Startup (RFC 3768 section 6.4.1 says an instance with priority 255
//     goes straight to MASTER and others to BACKUP): keepalived starts every
//     instance in BACKUP for a full Master_Down_Interval whatever its
//     "state"; only state MASTER with priority 255 times out after 1 us.
//     "state MASTER" below 255 only clears nopreempt and preempt_delay.
//   - Skew_Time for v3 (RFC 5798 section 6.1) is truncated to whole
//     microseconds as keepalived computes it (see SkewTime).
//   - A master hearing a lower-priority advert (RFC 3768 section 6.4.3:
//     discard) answers at once with its own advert and a GARP burst, and
//     another burst garp_master_delay later.
//   - Adver_Timer: keepalived restarts it after every packet a master
//     reads, even one it drops.
//   - TTL (RFC 5798 section 7.1: always 255): not checked for unicast
//     instances.
//   - Address list (RFC 3768 section 7.1: drop only if the sender is not
//     the owner): dropped whatever the priority.
//   - A master entering FAULT (not in the RFCs) sends two priority 0
//     adverts; a shut-down master one.
//   - Approximations of keepalived: garp_interval spacing is kept per
//     instance (keepalived keeps it per interface); the lower-priority GARP
//     burst uses the instance's garp_master_repeat/delay (keepalived the
//     global ones, same defaults); script tracks start OK (keepalived waits
//     for the first result); SetBasePriority acts like a tracking change
//     (keepalived needs a reload); Halt releases the VIPs.
//   - Tracking and FAULT, sync groups, preempt_delay, GARP repeat/delay/
//     refresh/interval are keepalived features with no RFC counterpart.
//
// The speaker is a plain value driven by its Env; it starts no goroutines
// and reads no clock of its own.
package vrrp
