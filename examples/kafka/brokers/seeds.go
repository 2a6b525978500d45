package brokers

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrClusterID is wrapped by the error for a cluster id that is not
// Kafka's: the base64url (unpadded) encoding of 16 bytes.
var ErrClusterID = errors.New("not a Kafka cluster id (22 base64url characters: 16 bytes)")

// ParseClusterID checks a cluster id given by the operator.
func ParseClusterID(id string) error {
	b, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil || len(b) != 16 || base64.RawURLEncoding.EncodeToString(b) != id {
		return fmt.Errorf("%q: %w", id, ErrClusterID)
	}
	return nil
}

// NewClusterID makes a cluster id the way Kafka's Uuid.randomUuid does:
// 16 random bytes with the RFC 4122 version-4 bits, base64url without
// padding, never all zero and never starting with "-" (which command
// lines would take for a flag).
func NewClusterID() (string, error) {
	for {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", fmt.Errorf("cluster id: %w", err)
		}
		b[6] = b[6]&0x0f | 0x40
		b[8] = b[8]&0x3f | 0x80
		id := base64.RawURLEncoding.EncodeToString(b[:])
		if !strings.HasPrefix(id, "-") {
			return id, nil
		}
	}
}

// ClusterIDSeed generates the seed SeedClusterID: given, when the
// operator set one (checked), else a new one.
func ClusterIDSeed(given string) func() (string, error) {
	return func() (string, error) {
		if given == "" {
			return NewClusterID()
		}
		if err := ParseClusterID(given); err != nil {
			return "", err
		}
		return given, nil
	}
}

// ControllersSeed generates the seed SeedControllers from the broker
// count the service is installed with.
func ControllersSeed(brokerCount int) func() (string, error) {
	return func() (string, error) {
		if brokerCount < 1 {
			return "", fmt.Errorf("controllers: %d brokers", brokerCount)
		}
		return strconv.Itoa(ControllersFor(brokerCount)), nil
	}
}
