package session

import (
	"fmt"
	"strings"

	"github.com/ssldissect/ssldissect/parser"
)

// NoteCode names an anomaly. Every code a connection can carry is in
// NoteCodes, the one table of what each means and what to do about it
// (docs/NOTES.md is written from it and checked against it by a test).
type NoteCode string

// The note codes. BadMessage gives the bad_<message> family.
const (
	NoteGap                     NoteCode = "gap"
	NoteResync                  NoteCode = "resync"
	NoteRecordDesync            NoteCode = "record_desync"
	NoteRecordCut               NoteCode = "record_cut"
	NoteMidstream               NoteCode = "midstream"
	NoteRolesGuessed            NoteCode = "roles_guessed"
	NoteStartTLS                NoteCode = "starttls"
	NoteRetransmissionMismatch  NoteCode = "retransmission_mismatch"
	NoteOverlapMismatch         NoteCode = "overlap_mismatch"
	NotePendingOverflow         NoteCode = "pending_overflow"
	NoteDataAfterRST            NoteCode = "data_after_rst"
	NoteHeartbleed              NoteCode = "heartbleed"
	NoteSSLv2                   NoteCode = "sslv2"
	NoteBadAlert                NoteCode = "bad_alert"
	NoteBadChangeCipherSpec     NoteCode = "bad_change_cipher_spec"
	NoteBadHandshake            NoteCode = "bad_handshake"
	NoteBadHeartbeat            NoteCode = "bad_heartbeat"
	NoteBadSSLv2ClientHello     NoteCode = "bad_sslv2_client_hello"
	NoteUnknownContentType      NoteCode = "unknown_content_type"
	NoteHandshakeTooLarge       NoteCode = "handshake_too_large"
	NoteHandshakeTruncated      NoteCode = "handshake_truncated"
	NoteNotesTruncated          NoteCode = "notes_truncated"
	NoteAlertsTruncated         NoteCode = "alerts_truncated"
	NoteCertificatesTruncated   NoteCode = "certificates_truncated"
	NoteALPNOfferedTruncated    NoteCode = "alpn_offered_truncated"
	NoteHistoryTruncated        NoteCode = "history_truncated"
	NoteRecordMessagesTruncated NoteCode = "record_handshake_truncated"
	NoteRecordAlertsTruncated   NoteCode = "record_alerts_truncated"
	NoteRecordNotesTruncated    NoteCode = "record_notes_truncated"
	NoteNoKeys                  NoteCode = "no_keys"
	NoteMACFailed               NoteCode = "mac_failed"
	NoteKeyLogConflict          NoteCode = "key_log_conflict"
	NoteFinishedMismatch        NoteCode = "finished_mismatch"
	NoteSequenceResync          NoteCode = "sequence_resync"
	NoteEarlyDataRejected       NoteCode = "early_data_rejected"
	NoteUnsupportedSuite        NoteCode = "unsupported_suite"
	NoteUnsupportedVersion      NoteCode = "unsupported_version"
	NoteKeyDerivationFailed     NoteCode = "key_derivation_failed"
	NoteECHDecryptFailed        NoteCode = "ech_decrypt_failed"
	NoteKeyUpdateFailed         NoteCode = "key_update_failed"
	NoteDecryptError            NoteCode = "decrypt_error"
	NoteRSAKeyMismatch          NoteCode = "rsa_key_mismatch"
	NoteRSADecryptFailed        NoteCode = "rsa_decrypt_failed"
	NoteQUICMalformed           NoteCode = "quic_malformed"
	NoteQUICNoKeys              NoteCode = "quic_no_keys"
	NoteQUICNoInitialKeys       NoteCode = "quic_no_initial_keys"
	NoteQUICBadFrame            NoteCode = "quic_bad_frame"
	NoteQUICFrameNotAllowed     NoteCode = "quic_frame_not_allowed"
	NoteQUICRetryTag            NoteCode = "quic_retry_tag"
	NoteQUICStreamsCapped       NoteCode = "quic_streams_capped"
	NoteQUICCryptoGap           NoteCode = "quic_crypto_gap"
	NoteDTLSRetransmission      NoteCode = "dtls_retransmission"
	NoteDTLSBadRecord           NoteCode = "dtls_bad_record"
	NoteDTLSRecordsLost         NoteCode = "dtls_records_lost"
	NoteDTLSPeerMoved           NoteCode = "dtls_peer_moved"
	NoteQUICStreamGap           NoteCode = "quic_stream_gap"

	// noteBadPrefix starts the bad_<message> codes (BadMessage).
	noteBadPrefix = "bad_"
)

// BadMessage is the code of a malformed handshake or SSLv2 message: bad_
// and the message's name (bad_client_hello, bad_certificate, ...).
func BadMessage(name string) NoteCode { return NoteCode(noteBadPrefix + name) }

// NoteInfo documents one note code.
type NoteInfo struct {
	Code    NoteCode // for the bad_<message> family, "bad_<message>"
	Meaning string
	Action  string // what a user can do about it
}

// NoteCodes is the registry of every note code, in the order docs/NOTES.md
// lists them.
var NoteCodes = []NoteInfo{
	{NoteGap, "bytes of a direction were never captured (lost by the capture, or before it started); the detail says how many", "capture with a bigger buffer or snap length; only that direction's records around the gap are affected"},
	{NoteResync, "the record boundary was found again after a gap or a bad header, that many bytes later", "none: the records in between are lost, the rest is dissected"},
	{NoteRecordCut, "a record whose other bytes never came (a gap, or the end of the stream, cut it): its type and length, and how many of its bytes arrived, are in the detail; those bytes are not dissected", "capture with a bigger buffer; the records after a gap are found again (resync)"},
	{NoteRecordDesync, "a record header was not plausible (bad type, version or length): record sync is lost in that direction", "look for a non-TLS protocol on the port or a corrupted capture; sync is searched for again (resync)"},
	{NoteMidstream, "the capture starts inside the TLS stream: no handshake was seen", "start the capture before the connection; without the handshake nothing can be decrypted unless its session is resumed later"},
	{NoteRolesGuessed, "no ClientHello was seen: the client was taken to be the side with the higher port", "check the client and server fields before relying on direction"},
	{NoteStartTLS, "TLS starts after a plaintext exchange (SMTP, IMAP, POP3, FTP, LDAP, XMPP, PostgreSQL, MySQL, or unknown)", "none: informational"},
	{NoteRetransmissionMismatch, "a retransmitted TCP segment carried different bytes than the first copy (the first is kept)", "suspect injection or a broken middlebox"},
	{NoteOverlapMismatch, "a TCP segment overlapped part of an earlier one (already delivered, or buffered out of order) with different bytes; checked against the last 4 KiB received per direction", "suspect injection or a broken middlebox"},
	{NotePendingOverflow, "reassembly gave up waiting for missing bytes of a direction (buffer caps): the bytes after were delivered after a gap", "raise --max-conn-pages / --max-pages if memory allows"},
	{NoteDataAfterRST, "TCP bytes came after a RST that should have ended the connection (at the next expected sequence number): they were dissected; the connection ends rst once no packet follows for a second", "suspect an injected reset (a middlebox or censor) if the peers went on; otherwise none"},
	{NoteHeartbleed, "a heartbeat whose payload_length, with the 16 bytes of minimum padding, exceeds the bytes sent (CVE-2014-0160 probe)", "investigate the client; patch the server"},
	{NoteSSLv2, "the server answered in SSL 2.0", "disable SSL 2.0 on the server"},
	{NoteBadAlert, "an alert record that does not parse", "none: the record is shown raw"},
	{NoteBadChangeCipherSpec, "a change_cipher_spec record whose content is not the single byte 1", "none: the switch to the new keys is still made"},
	{NoteBadHandshake, "handshake framing is broken (a message header that cannot be read): message sync is lost until the next record", "look for a corrupted capture"},
	{NoteBadHeartbeat, "a heartbeat record that does not parse", "none"},
	{NoteBadSSLv2ClientHello, "an SSLv2-format ClientHello that does not parse", "none: the record is shown raw"},
	{"bad_<message>", "a malformed handshake (or SSL 2.0) message, with the field and offset; a client_hello or server_hello broken after its random is still shown as far as it was read (partial: true), and keeps its SNI and offered ALPN, but gives no JA3/JA4", "look for a buggy peer or a corrupted capture"},
	{NoteUnknownContentType, "a record of a content type outside the registry", "none: the record is shown raw"},
	{NoteHandshakeTooLarge, "a handshake message whose header declares a body above the cap (64 KiB; certificates 256 KiB): it is skipped by its declared length, never parsed, and the messages after it are read", "none: a message that large is an attack or a broken peer; the Finished check of that handshake cannot succeed"},
	{NoteHandshakeTruncated, "the connection ended inside a handshake message", "none: the capture stopped or the peer closed mid-message"},
	{NoteNotesTruncated, fmt.Sprintf("more than %d notes on one connection: the rest were dropped, and counted in dropped.notes", MaxNotes), "look at the first ones"},
	{NoteAlertsTruncated, fmt.Sprintf("more than %d alerts on one connection: the rest are not listed, only counted in dropped.alerts (a flood of alert records is an attack or a broken peer)", MaxAlerts), "none: the history and the records still show them"},
	{NoteCertificatesTruncated, fmt.Sprintf("a certificate chain of more than %d certificates: the connection keeps the first %[1]d, and counts the rest in dropped.server_certificates or dropped.client_certificates", MaxCertificates), "none: the Certificate record still lists every entry"},
	{NoteALPNOfferedTruncated, fmt.Sprintf("a ClientHello offering more than %d ALPN protocols: alpn_offered keeps the first %[1]d, the rest are counted in dropped.alpn_offered", MaxALPNOffered), "none: the ClientHello record still lists every protocol, and JA4 is computed from the hello"},
	{NoteHistoryTruncated, fmt.Sprintf("more than %d history letters (Zeek's cap on ssl_history): the rest are counted in dropped.history", MaxHistory), "none: the records show what happened"},
	{NoteRecordMessagesTruncated, fmt.Sprintf("a record (or handshake data outside records) carrying more than %d handshake messages: the record lists the first %[1]d, its dropped.handshake counts the rest, the connection's dropped.record_handshake all of them (every message is still processed)", MaxRecordMessages), "none: a record that full is an attack or a broken peer"},
	{NoteRecordAlertsTruncated, fmt.Sprintf("a record carrying more than %d alerts: the record lists the first %[1]d, its dropped.alerts counts the rest, the connection's dropped.record_alerts all of them (the connection's alerts keep them, up to their own cap)", MaxRecordAlerts), "none: a record that full is an attack or a broken peer"},
	{NoteRecordNotesTruncated, fmt.Sprintf("more than %d notes on one record: the record lists the first %[1]d, its dropped.notes counts the rest, the connection's dropped.record_notes all of them (the connection's notes keep them, up to their own cap)", MaxRecordNotes), "look at the connection's notes"},
	{NoteNoKeys, "protected records and no key for them: the detail names the key-log line or RSA key that is missing, and the key logs given (or says that none was)", "give the key log (-l) or RSA key (-k) of this connection"},
	{NoteMACFailed, "the first record in a direction whose MAC or AEAD tag did not verify (later ones are counted in mac.failed)", "check the key log belongs to this capture (not another vantage point behind a proxy) and that the capture is not corrupted"},
	{NoteKeyLogConflict, "the key log held several master secrets for this client random (a conflicting duplicate line, warned about when it was read) and not the last one logged decrypts the connection", "find out why the key log disagrees with itself: two processes or runs logging into one file"},
	{NoteFinishedMismatch, "a Finished message's verify_data does not match the transcript", "a handshake message is missing from the capture, or the keys are wrong"},
	{NoteSequenceResync, "decryption resumed after a gap by finding the record sequence number again (AEAD, TLS 1.3, TLS 1.1+ CBC)", "none: records lost in the gap are not decrypted"},
	{NoteEarlyDataRejected, "0-RTT data the server did not accept: shown decrypted in its records, kept out of plaintext_bytes and --plaintext-dir", "none: informational"},
	{NoteUnsupportedSuite, "the cipher suite cannot be decrypted (unknown, or its cipher is not built in)", "none: the records stay opaque"},
	{NoteUnsupportedVersion, "a TLS 1.3 draft version: drafts are not decrypted", "none"},
	{NoteKeyDerivationFailed, "the keys could not be derived from the secrets given (wrong length, unsupported hash)", "check the key-log line for this client random"},
	{NoteECHDecryptFailed, "the key log has ECH_SECRET and ECH_CONFIG lines for the outer ClientHello's random but its encrypted_client_hello does not open with them (or the inner ClientHello does not parse)", "check the ECH lines for this client random: the KEM shared secret and the ECHConfig the client used (RFC 9850)"},
	{NoteKeyUpdateFailed, "a TLS 1.3 KeyUpdate could not be followed", "none: later records of that direction stay opaque"},
	{NoteDecryptError, "a record could not be decrypted for a reason other than its MAC (bad padding length, bad size for the cipher)", "check the keys and the capture"},
	{NoteRSAKeyMismatch, "no RSA private key given matches the server certificate", "give the key of the certificate the server sent (-k)"},
	{NoteRSADecryptFailed, "the RSA key matched but the pre-master secret did not decrypt", "the key is for another certificate with the same modulus, or the ClientKeyExchange is corrupt"},
	{NoteQUICMalformed, "a QUIC packet whose header does not parse, or too short to remove its header protection: the rest of its datagram is skipped", "look for a corrupted capture, or a non-QUIC protocol sharing the connection's ports"},
	{NoteQUICNoKeys, "QUIC Handshake, 0-RTT or 1-RTT packets in a direction with no secret for them (once per level and direction): the detail names the key-log label and client random that are missing", "give the key log (-l, or a pcapng with secrets) of this connection: the ordinary TLS 1.3 labels"},
	{NoteQUICNoInitialKeys, "a QUIC version whose Initial protection is not known: its Initial packets are not decrypted", "none: the version is named, its packets counted"},
	{NoteQUICBadFrame, "a decrypted QUIC packet whose frames do not parse from some frame on: the frames before it are kept, the rest of the packet is skipped", "look for a buggy peer or an extension frame type not known here"},
	{NoteQUICFrameNotAllowed, "a frame in a packet type that may not carry it (RFC 9000 section 12.4: e.g. STREAM in an Initial packet)", "suspect a broken or hostile peer"},
	{NoteQUICRetryTag, "a Retry packet whose integrity tag does not verify against the client's original DCID: it is not followed", "suspect an injected Retry (an off-path attacker) or a corrupted capture"},
	{NoteQUICStreamsCapped, "a QUIC connection with more streams open at once than the cap (4096): the data of the others is not reassembled", "none: a connection that wide is an attack or a broken peer"},
	{NoteDTLSRetransmission, "DTLS handshake messages sent again (a retransmitted flight): each message is shown once, the copies are counted in the detail at the end", "none: retransmissions are normal on lossy paths"},
	{NoteDTLSBadRecord, "a DTLS datagram whose records do not parse from some record on: the records before it are kept", "look for a non-DTLS protocol on the same ports or a corrupted capture"},
	{NoteDTLSPeerMoved, "records carrying a DTLS connection's connection ID (RFC 9146) came from another address or port: the peer moved (a NAT rebinding) and the connection is followed there", "none: this is what connection IDs are for; the connection keeps its first addresses in the report"},
	{NoteDTLSRecordsLost, "DTLS records missing from the capture, told by the gaps in their sequence numbers (per epoch, between the first and the last seen): lost on the way or by the capture; only their own content is missing, the records after them decrypt", "capture closer to an endpoint, or with a larger buffer; the plaintext files lack these records"},
	{NoteQUICCryptoGap, "a QUIC CRYPTO stream (one encryption level and direction) with bytes after a hole that was never filled, at the end of the connection: the packet that carried the hole was lost or not captured, and the handshake messages after it were not read", "capture with a bigger buffer; the packets themselves are still shown"},
	{NoteQUICStreamGap, "QUIC streams of a direction whose data stops at a hole (a packet lost or not captured): the bytes after it are counted, never written to --plaintext-dir", "capture with a bigger buffer; the stream files hold the bytes up to the hole"},
}

// KnownNoteCode reports whether code is in NoteCodes (bad_<message> for
// any message name).
func KnownNoteCode(code NoteCode) bool {
	for _, n := range NoteCodes {
		if n.Code == code {
			return true
		}
	}
	return strings.HasPrefix(string(code), noteBadPrefix) && len(code) > len(noteBadPrefix)
}

// badMessage is BadMessage for a handshake type.
func badMessage(t parser.HandshakeType) NoteCode { return BadMessage(t.String()) }
