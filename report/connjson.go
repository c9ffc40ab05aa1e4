package report

import "strconv"

// appendConnectionJSON appends c as json.Encoder (SetEscapeHTML(false))
// writes it, newline included, without reflection: the fields in the
// order of Connection's declaration, the embedded Trust's and *QUICConn's
// (when it is set) at their place, omitempty as encoding/json reads it (a
// zero number, false, "", a nil pointer, an empty slice), a nil slice
// without omitempty as null. Strings that need escaping go through
// encodeNoHTML (appendStringNoHTML), so the bytes are the Encoder's.
// TestSchemaLines and TestConnectionJSONCaptures hold it to the Encoder.
func appendConnectionJSON(b []byte, c *Connection) ([]byte, error) {
	b = append(b, `{"type":`...)
	b = appendStringNoHTML(b, c.Type)
	b = append(b, `,"id":`...)
	b = strconv.AppendUint(b, c.ID, 10)
	b = append(b, `,"client":`...)
	b = appendStringNoHTML(b, c.Client)
	b = append(b, `,"server":`...)
	b = appendStringNoHTML(b, c.Server)
	b = append(b, `,"community_id":`...)
	b = appendStringNoHTML(b, c.CommunityID)
	b = append(b, `,"start":`...)
	b = appendStringNoHTML(b, c.Start)
	b = append(b, `,"end":`...)
	b = appendStringNoHTML(b, c.End)
	b = append(b, `,"end_cause":`...)
	b = appendStringNoHTML(b, c.EndCause)
	if c.Transport != "" {
		b = append(b, `,"transport":`...)
		b = appendStringNoHTML(b, c.Transport)
	}
	b = append(b, `,"version":`...)
	b = appendStringNoHTML(b, c.Version)
	b = append(b, `,"version_id":`...)
	b = appendStringNoHTML(b, c.VersionID)
	b = append(b, `,"cipher_suite":`...)
	b = appendStringNoHTML(b, c.CipherSuite)
	b = append(b, `,"cipher_suite_id":`...)
	b = appendStringNoHTML(b, c.CipherSuiteID)
	if c.KeyExchange != "" {
		b = append(b, `,"key_exchange":`...)
		b = appendStringNoHTML(b, c.KeyExchange)
	}
	if c.KeyExchangeGroup != "" {
		b = append(b, `,"key_exchange_group":`...)
		b = appendStringNoHTML(b, c.KeyExchangeGroup)
	}
	if c.KeyExchangeBits != 0 {
		b = append(b, `,"key_exchange_bits":`...)
		b = strconv.AppendInt(b, int64(c.KeyExchangeBits), 10)
	}
	b = append(b, `,"sni":`...)
	b = appendStringNoHTML(b, c.SNI)
	b = append(b, `,"alpn":`...)
	b = appendStringNoHTML(b, c.ALPN)
	b = append(b, `,"alpn_offered":`...)
	b = appendStringsJSON(b, c.ALPNOffered)
	b = append(b, `,"ja3":`...)
	b = appendStringNoHTML(b, c.JA3)
	b = append(b, `,"ja3_full":`...)
	b = appendStringNoHTML(b, c.JA3Full)
	b = append(b, `,"ja3s":`...)
	b = appendStringNoHTML(b, c.JA3S)
	b = append(b, `,"ja3s_full":`...)
	b = appendStringNoHTML(b, c.JA3SFull)
	b = append(b, `,"ja4":`...)
	b = appendStringNoHTML(b, c.JA4)
	b = append(b, `,"ja4s":`...)
	b = appendStringNoHTML(b, c.JA4S)
	if c.ECH != nil {
		b = append(b, `,"ech":`...)
		b = appendECHJSON(b, c.ECH)
	}
	b = append(b, `,"hello_retry_request":`...)
	b = strconv.AppendBool(b, c.HelloRetryRequest)
	b = append(b, `,"resumed":`...)
	b = strconv.AppendBool(b, c.Resumed)
	if c.EarlyData != "" {
		b = append(b, `,"early_data":`...)
		b = appendStringNoHTML(b, c.EarlyData)
	}
	b = append(b, `,"decrypted":`...)
	b = strconv.AppendBool(b, c.Decrypted)
	if c.StartTLS != "" {
		b = append(b, `,"starttls":`...)
		b = appendStringNoHTML(b, c.StartTLS)
	}
	if c.RolesGuessed {
		b = append(b, `,"roles_guessed":true`...)
	}
	b = append(b, `,"records":`...)
	b = appendPerDirJSON(b, c.Records)
	b = append(b, `,"plaintext_bytes":`...)
	b = appendPerDirJSON(b, c.PlaintextBytes)
	b = append(b, `,"mac":{"verified":`...)
	b = strconv.AppendInt(b, int64(c.MAC.Verified), 10)
	b = append(b, `,"failed":`...)
	b = strconv.AppendInt(b, int64(c.MAC.Failed), 10)
	b = append(b, `},"finished":{"c2s":`...)
	b = appendStringNoHTML(b, c.Finished.C2S)
	b = append(b, `,"s2c":`...)
	b = appendStringNoHTML(b, c.Finished.S2C)
	b = append(b, `},"alerts":`...)
	if c.Alerts == nil {
		b = append(b, "null"...)
	} else {
		b = appendAlertsJSON(b, c.Alerts)
	}
	b = append(b, `,"gaps":`...)
	b = strconv.AppendInt(b, int64(c.Gaps), 10)
	b = append(b, `,"notes":`...)
	if c.Notes == nil {
		b = append(b, "null"...)
	} else {
		b = appendNotesJSON(b, c.Notes)
	}
	if t := c.TCP; t != nil {
		b = append(b, `,"tcp":{"packets":`...)
		b = appendPerDirJSON(b, t.Packets)
		b = append(b, `,"bytes":`...)
		b = appendPerDirJSON(b, t.Bytes)
		b = append(b, `,"payload_bytes":`...)
		b = appendPerDirJSON(b, t.PayloadBytes)
		b = append(b, `,"retransmissions":`...)
		b = appendPerDirJSON(b, t.Retransmissions)
		b = append(b, '}')
	}
	if u := c.UDP; u != nil {
		b = append(b, `,"udp":{"datagrams":`...)
		b = appendPerDirJSON(b, u.Datagrams)
		b = append(b, `,"bytes":`...)
		b = appendPerDirJSON(b, u.Bytes)
		b = append(b, '}')
	}
	if len(c.DecryptFailure) > 0 {
		b = append(b, `,"decrypt_failure":[`...)
		for i := range c.DecryptFailure {
			d := &c.DecryptFailure[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"dir":`...)
			b = appendStringNoHTML(b, d.Dir)
			b = append(b, `,"code":`...)
			b = appendStringNoHTML(b, d.Code)
			b = append(b, `,"detail":`...)
			b = appendStringNoHTML(b, d.Detail)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"history":`...)
	b = appendStringNoHTML(b, c.History)
	b = append(b, `,"server_certificates":`...)
	b = appendCertificatesJSON(b, c.ServerCertificates)
	b = append(b, `,"client_certificates":`...)
	b = appendCertificatesJSON(b, c.ClientCertificates)
	// Trust, embedded: its fields are the connection's.
	if c.ValidationStatus != "" {
		b = append(b, `,"validation_status":`...)
		b = appendStringNoHTML(b, c.ValidationStatus)
	}
	if c.SNIMatchesCert != nil {
		b = append(b, `,"sni_matches_cert":`...)
		b = strconv.AppendBool(b, *c.SNIMatchesCert)
	}
	b = append(b, `,"ocsp_stapled":`...)
	b = strconv.AppendBool(b, c.OCSPStapled)
	b = append(b, `,"scts":`...)
	b = strconv.AppendInt(b, int64(c.SCTs), 10)
	// *QUICConn, embedded: its fields are the connection's when it is set.
	if q := c.QUICConn; q != nil {
		b = append(b, `,"quic_version":`...)
		b = appendStringNoHTML(b, q.QUICVersion)
		b = append(b, `,"quic_version_name":`...)
		b = appendStringNoHTML(b, q.QUICVersionName)
		b = append(b, `,"original_dcid":`...)
		b = appendStringNoHTML(b, q.OriginalDCID)
		b = append(b, `,"client_scid":`...)
		b = appendStringNoHTML(b, q.ClientSCID)
		b = append(b, `,"server_scid":`...)
		b = appendStringNoHTML(b, q.ServerSCID)
		b = append(b, `,"retry":`...)
		b = strconv.AppendBool(b, q.Retry)
		b = append(b, `,"version_negotiation":`...)
		b = strconv.AppendBool(b, q.VersionNegotiation)
		if q.UserAgent != "" {
			b = append(b, `,"quic_user_agent":`...)
			b = appendStringNoHTML(b, q.UserAgent)
		}
		if len(q.CHLOTags) > 0 {
			b = append(b, `,"quic_chlo_tags":`...)
			b = appendStringsJSON(b, q.CHLOTags)
		}
		if len(q.CYU) > 0 {
			b = append(b, `,"quic_cyu":[`...)
			for i := range q.CYU {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, `{"string":`...)
				b = appendStringNoHTML(b, q.CYU[i].String)
				b = append(b, `,"hash":`...)
				b = appendStringNoHTML(b, q.CYU[i].Hash)
				b = append(b, '}')
			}
			b = append(b, ']')
		}
		b = append(b, `,"key_updates":`...)
		b = appendPerDirJSON(b, q.KeyUpdates)
		b = append(b, `,"packets":`...)
		b = appendPerDirJSON(b, q.Packets)
		b = append(b, `,"decrypted_packets":`...)
		b = appendPerDirJSON(b, q.DecryptedPackets)
	}
	if d := c.Dropped; d != nil {
		b = append(b, `,"dropped":`...)
		b = appendDroppedJSON(b, d)
	}
	return append(b, "}\n"...), nil
}

// writeConnection is writeLine for a connection: appendConnectionJSON
// into the Writer's reused buffer.
func (w *Writer) writeConnection(c *Connection) error {
	if w.part != nil {
		return w.appendPart(func(b []byte) ([]byte, error) { return appendConnectionJSON(b, c) }, `"id":`, c.ID)
	}
	b, err := appendConnectionJSON(w.jbuf[:0], c)
	return w.writeJSON(b, err, `"id":`, c.ID)
}

// appendStringsJSON appends a []string as encoding/json does: null when
// nil.
func appendStringsJSON(b []byte, l []string) []byte {
	if l == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendStringNoHTML(b, s)
	}
	return append(b, ']')
}

func appendPerDirJSON(b []byte, p PerDir) []byte {
	b = append(b, `{"c2s":`...)
	b = strconv.AppendInt(b, p.C2S, 10)
	b = append(b, `,"s2c":`...)
	b = strconv.AppendInt(b, p.S2C, 10)
	return append(b, '}')
}

func appendAlertJSON(b []byte, a *Alert) []byte {
	b = append(b, '{')
	if a.Dir != "" {
		b = append(b, `"dir":`...)
		b = appendStringNoHTML(b, a.Dir)
		b = append(b, ',')
	}
	b = append(b, `"level":`...)
	b = appendStringNoHTML(b, a.Level)
	if a.LevelID != "" {
		b = append(b, `,"level_id":`...)
		b = appendStringNoHTML(b, a.LevelID)
	}
	b = append(b, `,"description":`...)
	b = appendStringNoHTML(b, a.Description)
	if a.DescriptionID != "" {
		b = append(b, `,"description_id":`...)
		b = appendStringNoHTML(b, a.DescriptionID)
	}
	if a.Encrypted {
		b = append(b, `,"encrypted":true`...)
	}
	return append(b, '}')
}

func appendNoteJSON(b []byte, n *Note) []byte {
	b = append(b, `{"code":`...)
	b = appendStringNoHTML(b, n.Code)
	if n.Dir != "" {
		b = append(b, `,"dir":`...)
		b = appendStringNoHTML(b, n.Dir)
	}
	if n.Offset != 0 {
		b = append(b, `,"offset":`...)
		b = strconv.AppendUint(b, n.Offset, 10)
	}
	if n.Packet != 0 {
		b = append(b, `,"packet":`...)
		b = strconv.AppendUint(b, n.Packet, 10)
	}
	b = append(b, `,"detail":`...)
	b = appendStringNoHTML(b, n.Detail)
	return append(b, '}')
}

// appendCertificatesJSON appends a certificate list: null when nil.
func appendCertificatesJSON(b []byte, l []Certificate) []byte {
	if l == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range l {
		c := &l[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"subject":`...)
		b = appendStringNoHTML(b, c.Subject)
		b = append(b, `,"issuer":`...)
		b = appendStringNoHTML(b, c.Issuer)
		b = append(b, `,"serial":`...)
		b = appendStringNoHTML(b, c.Serial)
		b = append(b, `,"not_before":`...)
		b = appendStringNoHTML(b, c.NotBefore)
		b = append(b, `,"not_after":`...)
		b = appendStringNoHTML(b, c.NotAfter)
		b = append(b, `,"key":`...)
		b = appendStringNoHTML(b, c.Key)
		b = append(b, `,"signature_algorithm":`...)
		b = appendStringNoHTML(b, c.SignatureAlgorithm)
		b = append(b, `,"sha256":`...)
		b = appendStringNoHTML(b, c.SHA256)
		b = append(b, `,"san":`...)
		b = appendStringsJSON(b, c.SAN)
		b = append(b, `,"self_signed":`...)
		b = strconv.AppendBool(b, c.SelfSigned)
		if c.Error != "" {
			b = append(b, `,"error":`...)
			b = appendStringNoHTML(b, c.Error)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendECHJSON(b []byte, e *ECH) []byte {
	b = append(b, `{"config_id":`...)
	b = strconv.AppendInt(b, int64(e.ConfigID), 10)
	b = append(b, `,"kdf":`...)
	b = appendStringNoHTML(b, e.KDF)
	b = append(b, `,"aead":`...)
	b = appendStringNoHTML(b, e.AEAD)
	b = append(b, `,"enc_length":`...)
	b = strconv.AppendInt(b, int64(e.EncLength), 10)
	b = append(b, `,"payload_length":`...)
	b = strconv.AppendInt(b, int64(e.PayloadLength), 10)
	b = append(b, `,"grease":`...)
	b = appendStringNoHTML(b, e.Grease)
	b = append(b, `,"accepted":`...)
	if e.Accepted == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendBool(b, *e.Accepted)
	}
	if e.AcceptedBy != "" {
		b = append(b, `,"accepted_by":`...)
		b = appendStringNoHTML(b, e.AcceptedBy)
	}
	if e.RetryConfigsLength != 0 {
		b = append(b, `,"retry_configs_length":`...)
		b = strconv.AppendInt(b, int64(e.RetryConfigsLength), 10)
	}
	if e.InnerRandomTrials != 0 {
		b = append(b, `,"inner_random_trials":`...)
		b = strconv.AppendInt(b, int64(e.InnerRandomTrials), 10)
	}
	b = append(b, `,"inner_sni":`...)
	b = appendStringNoHTML(b, e.InnerSNI)
	b = append(b, `,"inner_alpn":`...)
	b = appendStringsJSON(b, e.InnerALPN)
	b = append(b, `,"inner_ja4":`...)
	b = appendStringNoHTML(b, e.InnerJA4)
	if d := e.DNS; d != nil {
		b = append(b, `,"dns":{"query":`...)
		b = appendStringNoHTML(b, d.Query)
		b = append(b, `,"type":`...)
		b = appendStringNoHTML(b, d.Type)
		b = append(b, `,"public_name":`...)
		b = appendStringNoHTML(b, d.PublicName)
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendDroppedJSON appends a connection's Dropped: every key omitempty.
func appendDroppedJSON(b []byte, d *Dropped) []byte {
	b = append(b, '{')
	first := true
	add := func(key string, n int) {
		if n == 0 {
			return
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, key...)
		b = append(b, `":`...)
		b = strconv.AppendInt(b, int64(n), 10)
	}
	add("alerts", d.Alerts)
	add("notes", d.Notes)
	add("server_certificates", d.ServerCertificates)
	add("client_certificates", d.ClientCertificates)
	add("alpn_offered", d.ALPNOffered)
	add("history", d.History)
	add("record_handshake", d.RecordHandshake)
	add("record_alerts", d.RecordAlerts)
	add("record_notes", d.RecordNotes)
	return append(b, '}')
}
