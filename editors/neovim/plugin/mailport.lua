if vim.g.loaded_mailport then
  return
end
vim.g.loaded_mailport = true

require('mailport').register_client_command()
vim.api.nvim_create_user_command('MailportTestConnection', function()
  require('mailport').test_connection()
end, { desc = 'mailport: test the mail server connection configured at the cursor' })
