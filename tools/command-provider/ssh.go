package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// ProxyConnection is a jump host: the same fields as Connection, less `proxy`.
type ProxyConnection struct {
	Host               string   `pulumi:"host"`
	Port               *float64 `pulumi:"port,optional"`
	User               *string  `pulumi:"user,optional"`
	Password           *string  `pulumi:"password,optional" provider:"secret"`
	PrivateKey         *string  `pulumi:"privateKey,optional" provider:"secret"`
	PrivateKeyPassword *string  `pulumi:"privateKeyPassword,optional" provider:"secret"`
	AgentSocketPath    *string  `pulumi:"agentSocketPath,optional"`
	DialErrorLimit     *int     `pulumi:"dialErrorLimit,optional"`
	PerDialTimeout     *int     `pulumi:"perDialTimeout,optional"`
	HostKey            *string  `pulumi:"hostKey,optional"`
}

// Annotate gives the connection fields their documented defaults.
func (c *ProxyConnection) Annotate(an infer.Annotator) {
	an.SetDefault(&c.Port, 22.0)
	an.SetDefault(&c.User, "root")
	an.SetDefault(&c.DialErrorLimit, 10)
	an.SetDefault(&c.PerDialTimeout, 15)
	an.Describe(&c.HostKey, "The host's public key as an authorized_keys line; when set, only that key is accepted.")
	an.Describe(&c.DialErrorLimit, "Dial attempts after the first before giving up: -1 unlimited, 0 a single try.")
	an.Describe(&c.PerDialTimeout, "Seconds one connection attempt may take (0: no limit).")
}

// Connection is how a remote command reaches its host.
type Connection struct {
	ProxyConnection
	Proxy *ProxyConnection `pulumi:"proxy,optional"`
}

// Backoff between dial attempts: 100 ms × 1.5ⁿ, at most 5 s.
const (
	backoffBase  = 100 * time.Millisecond
	backoffRatio = 1.5
	backoffMax   = 5 * time.Second
)

// errPermanent marks a configuration error that no retry can fix.
type errPermanent struct{ error }

func (c ProxyConnection) port() int {
	if c.Port == nil {
		return 22
	}
	return int(*c.Port)
}

func (c ProxyConnection) address() string {
	return net.JoinHostPort(c.Host, strconv.Itoa(c.port()))
}

func (c ProxyConnection) dialErrorLimit() int {
	if c.DialErrorLimit == nil {
		return 10
	}
	return *c.DialErrorLimit
}

func (c ProxyConnection) perDialTimeout() time.Duration {
	if c.PerDialTimeout == nil {
		return 15 * time.Second
	}
	return time.Duration(*c.PerDialTimeout) * time.Second
}

// clientConfig builds the SSH client settings: the pinned host key (when set), then the
// authentication methods in the documented order: private key, password,
// keyboard-interactive, agent.
func (c ProxyConnection) clientConfig() (*ssh.ClientConfig, func(), error) {
	user := "root"
	if c.User != nil && *c.User != "" {
		user = *c.User
	}
	cfg := &ssh.ClientConfig{User: user, Timeout: c.perDialTimeout()}
	cleanup := func() {}
	if c.HostKey != nil && *c.HostKey != "" {
		key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(*c.HostKey))
		if err != nil {
			return nil, cleanup, errPermanent{fmt.Errorf("parsing hostKey: %w", err)}
		}
		cfg.HostKeyCallback = ssh.FixedHostKey(key)
		cfg.HostKeyAlgorithms = hostKeyAlgorithms(key.Type())
	} else {
		cfg.HostKeyCallback = ssh.InsecureIgnoreHostKey() //nolint:gosec // unset hostKey accepts any key, as documented
	}
	if c.PrivateKey != nil && *c.PrivateKey != "" {
		var signer ssh.Signer
		var err error
		if c.PrivateKeyPassword != nil && *c.PrivateKeyPassword != "" {
			signer, err = ssh.ParsePrivateKeyWithPassphrase([]byte(*c.PrivateKey), []byte(*c.PrivateKeyPassword))
		} else {
			signer, err = ssh.ParsePrivateKey([]byte(*c.PrivateKey))
		}
		if err != nil {
			// Never wrap the parser's error text: it must not echo key material.
			return nil, cleanup, errPermanent{errors.New("could not parse privateKey")}
		}
		cfg.Auth = append(cfg.Auth, ssh.PublicKeys(signer))
	}
	if c.Password != nil && *c.Password != "" {
		password := *c.Password
		cfg.Auth = append(cfg.Auth, ssh.Password(password),
			ssh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = password
				}
				return answers, nil
			}))
	}
	socket := os.Getenv("SSH_AUTH_SOCK")
	if c.AgentSocketPath != nil && *c.AgentSocketPath != "" {
		socket = *c.AgentSocketPath
	}
	if socket != "" {
		if conn, err := net.Dial("unix", socket); err == nil {
			cfg.Auth = append(cfg.Auth, ssh.PublicKeysCallback(agent.NewClient(conn).Signers))
			cleanup = func() { conn.Close() }
		}
	}
	return cfg, cleanup, nil
}

// hostKeyAlgorithms offers only the pinned key's algorithm (RSA keys sign with SHA-2 or SHA-1).
func hostKeyAlgorithms(keyType string) []string {
	if keyType == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{keyType}
}

// handshake runs the SSH handshake over an open stream, bounded by perDialTimeout.
func handshake(conn net.Conn, addr string, cfg *ssh.ClientConfig, timeout time.Duration) (*ssh.Client, error) {
	if timeout > 0 {
		_ = conn.SetDeadline(time.Now().Add(timeout))
	}
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	if err != nil {
		conn.Close()
		return nil, err
	}
	_ = conn.SetDeadline(time.Time{})
	return ssh.NewClient(c, chans, reqs), nil
}

// dialOnce makes one connection attempt, through the proxy when there is one.
func dialOnce(ctx context.Context, c Connection) (*ssh.Client, func(), error) {
	cfg, cleanup, err := c.clientConfig()
	if err != nil {
		return nil, cleanup, err
	}
	if c.Proxy == nil {
		d := net.Dialer{Timeout: c.perDialTimeout()}
		conn, err := d.DialContext(ctx, "tcp", c.address())
		if err != nil {
			return nil, cleanup, err
		}
		client, err := handshake(conn, c.address(), cfg, c.perDialTimeout())
		return client, cleanup, err
	}
	proxyCfg, proxyCleanup, err := c.Proxy.clientConfig()
	both := func() { cleanup(); proxyCleanup() }
	if err != nil {
		return nil, both, err
	}
	d := net.Dialer{Timeout: c.Proxy.perDialTimeout()}
	pconn, err := d.DialContext(ctx, "tcp", c.Proxy.address())
	if err != nil {
		return nil, both, fmt.Errorf("proxy: %w", err)
	}
	jump, err := handshake(pconn, c.Proxy.address(), proxyCfg, c.Proxy.perDialTimeout())
	if err != nil {
		return nil, both, fmt.Errorf("proxy: %w", err)
	}
	tunnel, err := jump.Dial("tcp", c.address())
	if err != nil {
		jump.Close()
		return nil, both, fmt.Errorf("proxy tunnel: %w", err)
	}
	client, err := handshake(tunnel, c.address(), cfg, c.perDialTimeout())
	if err != nil {
		jump.Close()
		return nil, both, err
	}
	return client, func() { both(); jump.Close() }, nil
}

// dial connects with retries: attempts go on until `attempt > dialErrorLimit` (−1: no limit),
// waiting 100 ms × 1.5ⁿ (at most 5 s) between them. Every dial error is retried, a host-key
// mismatch and a refused login included; an unparsable key fails at once.
func dial(ctx context.Context, c Connection) (*ssh.Client, func(), error) {
	limit := c.dialErrorLimit()
	logger := p.GetLogger(ctx)
	for attempt := 0; ; attempt++ {
		client, cleanup, err := dialOnce(ctx, c)
		if err == nil {
			return client, cleanup, nil
		}
		cleanup()
		var permanent errPermanent
		if errors.As(err, &permanent) {
			return nil, func() {}, permanent.error
		}
		if limit >= 0 && attempt+1 > limit {
			return nil, func() {}, fmt.Errorf("after %d failed attempts: %w", limit, err)
		}
		logger.InfoStatusf("Dial %d/%s failed: retrying", attempt+1, limitText(limit))
		wait := time.Duration(float64(backoffBase) * math.Pow(backoffRatio, float64(attempt)))
		if wait > backoffMax {
			wait = backoffMax
		}
		select {
		case <-ctx.Done():
			return nil, func() {}, ctx.Err()
		case <-time.After(wait):
		}
	}
}

func limitText(limit int) string {
	if limit < 0 {
		return "unlimited"
	}
	return strconv.Itoa(limit)
}

// sshRunner runs a command on the connection's host: one `env` request per variable (a refused
// one fails the command), standard input only when non-empty.
func sshRunner(c Connection) runner {
	return func(ctx context.Context, r run, stdout, stderr io.Writer) error {
		client, cleanup, err := dial(ctx, c)
		if err != nil {
			return err
		}
		defer cleanup()
		defer client.Close()
		session, err := client.NewSession()
		if err != nil {
			return err
		}
		defer session.Close()
		for k, v := range r.env {
			if err := session.Setenv(k, v); err != nil {
				return fmt.Errorf("could not set environment variable %q: %w", k, err)
			}
		}
		if r.stdin != "" {
			session.Stdin = strings.NewReader(r.stdin)
		}
		session.Stdout, session.Stderr = stdout, stderr
		done := make(chan error, 1)
		go func() { done <- session.Run(r.command) }()
		select {
		case err := <-done:
			return err
		case <-ctx.Done():
			_ = session.Signal(ssh.SIGTERM)
			client.Close()
			return ctx.Err()
		}
	}
}
