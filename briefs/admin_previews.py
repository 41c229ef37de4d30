def preview_urls(model_admin):
    return []
