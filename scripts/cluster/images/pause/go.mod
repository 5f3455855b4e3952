module todo-app.local/pause

go 1.25
