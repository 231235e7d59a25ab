-- mailport language server for Neovim 0.11+ (`:h lsp-config`).
-- With this folder on 'runtimepath', `vim.lsp.enable('mailport')` is all it takes;
-- override any field with `vim.lsp.config('mailport', { ... })`.
local files = require('mailport.files')

local root_markers = { '.mailport.toml', '.git' }

---@type vim.lsp.Config
return {
  cmd = { 'mailport', 'lsp' },
  filetypes = files.filetypes(),
  root_markers = root_markers,
  -- Attach only to buffers that hold mail settings (see lua/mailport/files.lua);
  -- a file outside any project gets its own folder as root.
  root_dir = function(bufnr, on_dir)
    local path = vim.api.nvim_buf_get_name(bufnr)
    if path == '' or not files.claims(path, vim.bo[bufnr].filetype) then
      return
    end
    on_dir(vim.fs.root(bufnr, root_markers) or vim.fs.dirname(path))
  end,
  -- Neovim draws inlay hints only where asked to: show mailport's (`SMTP · implicit TLS`
  -- after a port) in the buffers it attaches to. `inlayHints = false` in the settings
  -- turns them off on the server's side.
  on_attach = function(client, bufnr)
    if client:supports_method('textDocument/inlayHint') then
      vim.lsp.inlay_hint.enable(true, { bufnr = bufnr })
    end
  end,
  -- The server reads the `mailport` section (prefer, rules, allow, debounceMs,
  -- codeLens, inlayHints, probe = { timeoutSecs }). vim.empty_dict() so it is sent as {} not [].
  settings = { mailport = vim.empty_dict() },
}
