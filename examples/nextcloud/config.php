<?php
$CONFIG = array (
  'instanceid' => 'oc8c0fd71e03',
  'trusted_domains' => array (0 => 'cloud.example.com'),
  'dbtype' => 'pgsql',
  'dbhost' => 'db:5432',
  'redis' => array ('host' => 'redis', 'port' => 6379),
  'mail_smtpmode' => 'smtp',
  'mail_smtphost' => 'smtp.example.com',
  'mail_smtpport' => 587,
  // Nextcloud only honours 'ssl': 'tls' is STARTTLS if offered, with the password on the wire.
  // expect: MP005
  'mail_smtpsecure' => 'tls',
  'mail_smtpauth' => true,
  'mail_smtpname' => 'cloud@example.com',
  'mail_smtppassword' => 'change-me',
);
