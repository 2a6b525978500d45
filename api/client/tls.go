package client

import "context"

// CACertificate is the service's CA certificate, PEM (GET
// /v1/artifacts/tls/ca.crt): what clients of its TLS endpoints trust. A
// service whose tasks ask for no transport encryption answers 404.
func (c *Client) CACertificate(ctx context.Context) ([]byte, error) {
	return c.getRaw(ctx, nil, "artifacts", "tls", "ca.crt")
}
