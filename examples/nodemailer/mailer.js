// Express app with a nodemailer transport.
const express = require("express");
const nodemailer = require("nodemailer");

const app = express();
const db = { host: "db.internal", port: 5432, user: "app", password: process.env.DB_PASSWORD };

const transporter = nodemailer.createTransport({
  host: "smtp.example.com",
  port: 587,
  // secure: false upgrades with STARTTLS only if the server offers it; add requireTLS: true.
  // expect: MP005
  secure: false,
  auth: {
    user: process.env.SMTP_USER,
    pass: process.env.SMTP_PASS,
  },
});

app.listen(process.env.PORT || 3000);
module.exports = { app, db, transporter };
