"""The built-in lab: simulated IOS, EOS and Junos devices over real SSH on 127.0.0.1."""
