package wire

// Endpoint is GET /v1/endpoints/{name}: where the tasks advertising a port
// of that name listen. VIP is set when the port has one.
type Endpoint struct {
	Address []string `json:"address"`
	DNS     []string `json:"dns"`
	VIP     string   `json:"vip,omitempty"`
}
