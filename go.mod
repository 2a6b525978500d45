module github.com/kennel-sdk/kennel

go 1.26

require (
	github.com/go-zookeeper/zk v1.0.4
	github.com/gogo/protobuf v1.3.2
	github.com/mesos/mesos-go v0.0.11
	github.com/spf13/cobra v1.10.2
	go.yaml.in/yaml/v4 v4.0.0
	pgregory.net/rapid v1.3.0
)

require (
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/pquerna/ffjson v0.0.0-20190930134022-aa0246cd15f7 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
)
