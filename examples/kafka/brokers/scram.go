package brokers

import (
	"crypto/rand"
	"encoding/base64"

	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
	"github.com/kennel-sdk/kennel/scheduler"
)

// SASL/SCRAM: the scheduler's admin user, its password's secret seed, and
// the variable the brokers' config templates receive it in.
const (
	// AdminUser is the SCRAM user the scheduler's own clients log in as,
	// and the brokers' login between themselves.
	AdminUser = "kennel-admin"
	// SeedSCRAMAdmin names the admin password's secret seed.
	SeedSCRAMAdmin = "scram-admin-password"
	// VarSCRAMAdminPassword is the task secret (runtime.Extension.
	// TaskSecrets) that carries the admin password to a broker's config
	// templates; it is never in a task's environment.
	VarSCRAMAdminPassword = "KAFKA_SCRAM_ADMIN_PASSWORD"
)

// AdminPasswordSeed generates the admin password: 32 random bytes,
// base64url (nothing a properties file or a JAAS entry would escape).
func AdminPasswordSeed() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// TaskSecrets gives a broker launched with SASL/SCRAM (KAFKA_SCRAM) the
// admin password from view's secret seeds, for its config templates.
func TaskSecrets(view scheduler.EnvView, task scheduler.PlacedTask) map[string]string {
	pw := view.SecretSeeds[SeedSCRAMAdmin]
	if task.Pod != Pod || task.Task != Task || task.Env[VarSCRAMSection] != "true" || pw == "" {
		return nil
	}
	return map[string]string{VarSCRAMAdminPassword: pw}
}

// adminLogin is the admin's SCRAM login from view's secret seeds, nil
// without one.
func adminLogin(secretSeeds map[string]string) *kafkaclient.SCRAM {
	pw := secretSeeds[SeedSCRAMAdmin]
	if pw == "" {
		return nil
	}
	return &kafkaclient.SCRAM{User: AdminUser, Password: pw}
}
