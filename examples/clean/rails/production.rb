Rails.application.configure do
  config.cache_store = :redis_cache_store, { url: ENV["REDIS_URL"] }
  config.action_mailer.delivery_method = :smtp
  config.action_mailer.smtp_settings = {
    address: "smtp.example.com",
    port: 587,
    user_name: ENV["SMTP_USER"],
    password: ENV["SMTP_PASSWORD"],
    authentication: :plain,
    enable_starttls: true
  }
end
