package wire

// Endpoint is GET /v1/endpoints/{name}: where the tasks advertising a port
// of that name listen. VIP is set when the port has one.
type Endpoint struct {
	Address []string `json:"address"`
	DNS     []string `json:"dns"`
	VIP     string   `json:"vip,omitempty"`
}

// InstanceEnv is GET /v1/artifacts/env/{instance}: the environment values
// a service's Go extension computes for a pod instance's tasks. Pending,
// when set, says what the values still wait for (status 503); `kennel
// bootstrap` polls until it is empty (status 200).
type InstanceEnv struct {
	Values  map[string]string `json:"values"`
	Pending string            `json:"pending,omitempty"`
}
