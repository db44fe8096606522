#!/bin/sh
sleep 2
gobgp global rib -a ipv4 add 198.18.56.0/23
gobgp global rib -a ipv4 add 203.0.113.0/24
gobgp global rib -a ipv6 add 2001:db8:6000::/48
