"""The SIPp scenario our test caller runs: one call, caller- or callee-ended.

SIPp does the SIP signalling (INVITE/ACK/BYE); the media is ours, so the SDP offer names
our RTP port and the scenario writes the answer's media address and payload type to a
file for the caller to read.  SIPp cannot be told "hang up now" from outside, so after the
ACK the scenario waits for either a BYE from Asterisk (the agent hung up) or an in-dialog
INFO that our caller sends to SIPp's own port when it wants to hang up; the INFO never
leaves this machine.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

_TEMPLATE = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="appliance test caller">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "{caller_name}" <sip:{caller_number}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:{caller_number}@[local_ip]:[local_port]>
      Max-Forwards: 70
      User-Agent: appliance-test-caller
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=caller 1 1 IN IP4 {media_ip}
      s=appliance test caller
      c=IN IP4 {media_ip}
      t=0 0
      m=audio {media_port} RTP/AVP {payload_types} 101
{rtpmaps}
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-16
      a=ptime:20
      a=sendrecv
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true">
    <action>
      <ereg regexp=".*" search_in="hdr" header="To:" check_it="true" assign_to="remote_to"/>
      <ereg regexp="c=IN IP4 ([0-9.]+)" search_in="body" check_it="true" assign_to="whole_c,media_ip"/>
      <ereg regexp="m=audio ([0-9]+) RTP/AVP ([0-9]+)" search_in="body" check_it="true" assign_to="whole_m,media_port,media_pt"/>
      <exec command={info_command}/>
    </action>
  </recv>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "{caller_name}" <sip:{caller_number}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      [last_To:]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: <sip:{caller_number}@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv request="BYE" optional="true" next="remote_bye"/>
  <recv request="INFO"/>
  <send retrans="500">
    <![CDATA[
      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "{caller_name}" <sip:{caller_number}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To:[$remote_to]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Contact: <sip:{caller_number}@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv response="200" next="done"/>
  <label id="remote_bye"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]>
  </send>
  <nop>
    <action>
      <exec command={bye_command}/>
    </action>
  </nop>
  <label id="done"/>
  <pause milliseconds="10"/>
</scenario>
"""

_RTPMAP = {0: "PCMU/8000", 8: "PCMA/8000"}


def render_scenario(media_ip: str, media_port: int, info_file: str, payload_types: tuple[int, ...] = (0, 8),
                    caller_number: str = "1000", caller_name: str = "Test Caller") -> str:
    """The scenario XML; ``info_file`` receives "ip port pt" from the answer, then "BYE" if remote hung up."""
    rtpmaps = "\n".join(f"      a=rtpmap:{pt} {_RTPMAP[pt]}" for pt in payload_types)
    return _TEMPLATE.format(
        media_ip=media_ip, media_port=media_port, rtpmaps=rtpmaps,
        payload_types=" ".join(str(pt) for pt in payload_types),
        caller_number=caller_number, caller_name=caller_name,
        info_command=quoteattr(f"echo [$media_ip] [$media_port] [$media_pt] [$whole_c] [$whole_m] | tee {info_file}"),
        bye_command=quoteattr(f"echo remote_bye | tee -a {info_file}"),
    )


def hangup_request(call_id: str, sipp_port: int, from_port: int) -> bytes:
    """The in-dialog INFO that tells our SIPp scenario to send BYE now."""
    return (
        f"INFO sip:caller@127.0.0.1:{sipp_port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:{from_port};branch=z9hG4bK-hangup-{sipp_port}\r\n"
        f"From: <sip:control@127.0.0.1>;tag=hangup\r\n"
        f"To: <sip:caller@127.0.0.1>\r\n"
        f"Call-ID: {call_id}\r\n"
        f"CSeq: 1 INFO\r\n"
        f"Max-Forwards: 1\r\n"
        f"Content-Length: 0\r\n\r\n"
    ).encode()
